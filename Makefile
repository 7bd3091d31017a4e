# The project's commands. `make run` and `make test` install everything they need on a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAGE ?= dev
PROGRAM ?= demo
export AWS_DEFAULT_REGION ?= eu-west-1

.DEFAULT_GOAL := help
.PHONY: help deps browser run test lint job package checkov admin-key rules webhook hubspot-webhook cdnow demo-data replay bench bench-local clean analytics-export

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 14

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-model.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: install Node.js 18+ with npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The dashboard's chart library (npm chart.js, exact pin): copied under chalicelib/ so the Lambda package holds it.
DASHBOARD_VENDOR := chalicelib/dashboard/vendor
$(DASHBOARD_VENDOR)/chart.umd.min.js: node_modules/.installed
	mkdir -p $(DASHBOARD_VENDOR)
	cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/LICENSE.md $(DASHBOARD_VENDOR)/

# checkov (requirements-checkov.txt) in a venv of its own: its dependencies' pins clash with the project's.
CHECKOV_VENV := .deps-checkov
$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	@touch $@

deps: $(VENV)/.installed node_modules/.installed $(DASHBOARD_VENDOR)/chart.umd.min.js $(CHECKOV_VENV)/.installed browser ## install Python and npm dependencies (and chromium, checkov)

# Debian's chromium and chromedriver for the browser tests (tests/browser/), installed only when missing (CI runs as
# root; elsewhere through sudo). Playwright's own browser download is not used.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser: ## install chromium and chromium-driver (apt-get) for the browser tests, when missing
	@test -x /usr/bin/chromium -a -x /usr/bin/chromedriver || { $(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }

run: deps ## start the local stack (API :8000, DynamoDB Local :8001, moto :4566) until Ctrl-C
	$(PY) -m infra.local.run

# The unit and integration tests run a second time with the machine's clock moved years ahead to 23:59:30 UTC
# (time-machine, ticking on past midnight): no test and no business rule may depend on today's date or hour.
TRAVEL_TO ?= $(shell date -u -d '+5 years' +%Y-%m-%dT23:59:30+00:00)

# Unit, integration and infra tests run on TEST_WORKERS processes (pytest-xdist); the tests that start real local
# stacks (e2e, local) run one at a time.
TEST_WORKERS ?= 2

test: deps lint ## run the whole test suite, then the unit and integration tests again years ahead at 23:59 UTC
	$(PY) -m pytest -n $(TEST_WORKERS) --ignore=tests/e2e --ignore=tests/local
	$(PY) -m pytest tests/e2e tests/local
	LOYALTY_TEST_NOW=$(TRAVEL_TO) $(PY) -m pytest -q -n $(TEST_WORKERS) -p no:cacheprovider tests/unit tests/integration

lint: $(VENV)/.installed ## ruff and mypy (types) on the sources
	$(PY) -m ruff check .
	$(PY) -m mypy

job: deps ## run one scheduled job against the running stack: make job JOB=<name>|all [AT=<ISO-8601>]
	$(PY) -m infra.local.job --job "$(JOB)" $(if $(AT),--at "$(AT)")

analytics-export: $(VENV)/.installed ## the local stack's table as a DynamoDB export (.local/analytics-export), for SQL on DuckDB
	$(PY) -m infra.analytics.local_export

package: $(VENV)/.installed $(DASHBOARD_VENDOR)/chart.umd.min.js $(CHECKOV_VENV)/.installed ## build dist/sam.yaml + the Lambda zip + the model layer for STAGE (default dev), lint it (cfn-lint, checkov)
	rm -rf dist
	$(VENV)/bin/chalice package --stage $(STAGE) --template-format yaml --merge-template infra/template.yaml dist
	$(PY) -m infra.model_layer requirements-model.txt dist/model-layer.zip --function-zip dist/deployment.zip
	$(PY) -m infra.pin_stage dist/sam.yaml $(STAGE)
	$(PY) -m infra.function_alarms dist/sam.yaml
	$(PY) -m infra.function_policies dist/sam.yaml
	$(VENV)/bin/cfn-lint dist/sam.yaml
	$(MAKE) --no-print-directory checkov

# The checks it does not apply: infra/checkov.yaml, each with its reason in the README ("Least privilege and limits").
checkov: $(CHECKOV_VENV)/.installed ## checkov on the packaged template (dist/sam.yaml, from make package)
	CKV_SKIP_PACKAGE_UPDATE_CHECK=true $(CHECKOV_VENV)/bin/checkov --config-file infra/checkov.yaml --file dist/sam.yaml

admin-key: $(VENV)/.installed ## create an owner API key on AWS for PROGRAM in STAGE (printed once)
	$(PY) -m infra.admin_key --stage $(STAGE) --program $(PROGRAM)

rules: $(VENV)/.installed ## program rules on the local stack: make rules [FILE=rules.json] (no FILE: show them)
	$(PY) -m infra.rules $(if $(FILE),add "$(FILE)",show) --program $(PROGRAM)

webhook: $(VENV)/.installed ## send a signed Shopify webhook to the local stack: make webhook FILE=... [TOPIC=orders/paid] [DROP=1]
	$(PY) -m infra.webhook "$(FILE)" --topic "$(or $(TOPIC),orders/paid)" $(if $(DROP),--drop)

hubspot-webhook: $(VENV)/.installed ## send a v3-signed HubSpot event batch to the local stack: make hubspot-webhook FILE=...
	$(PY) -m infra.hubspot_webhook "$(FILE)"

cdnow: $(VENV)/.installed ## send the CDNOW sample's orders up to 1997-09-30 to the local stack (make cdnow [UNTIL=1997-09-30])
	$(PY) -m infra.cdnow $(if $(UNTIL),--until "$(UNTIL)")

demo-data: $(VENV)/.installed ## a realistic program on the running stack: make demo-data [CUSTOMERS=2000] [SEED=1] [MONTHS=18] [END=YYYY-MM-DD]
	$(PY) -m infra.demo_data --customers $(or $(CUSTOMERS),2000) --seed $(or $(SEED),1) --months $(or $(MONTHS),18) $(if $(END),--end "$(END)")

replay: $(VENV)/.installed ## dead-lettered messages back to their queue: make replay QUEUE=ingest|mail-feedback [LIMIT=n] [AWS=1 STAGE=dev]
	$(PY) -m infra.replay --queue "$(QUEUE)" $(if $(LIMIT),--limit $(LIMIT)) $(if $(AWS),--aws --stage "$(STAGE)")

bench: deps ## worker-path costs on DynamoDB Local, ingress costs, then the local stack under 10,000 webhooks (~7 min)
	$(PY) -m infra.bench
	$(PY) -m infra.bench.local_stack $(BENCH_LOCAL_ARGS)

bench-local: deps ## the whole local stack under 10,000 webhooks at 50/s: intake latency, drain rate (~5 min)
	$(PY) -m infra.bench.local_stack $(BENCH_LOCAL_ARGS)

clean: ## remove dependencies, build output and local data
	rm -rf $(VENV) node_modules dist .local
