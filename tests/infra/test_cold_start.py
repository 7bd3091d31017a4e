"""A cold start imports what every function needs and leaves the rest to the function that uses it; `make bench`
prints what `import app` costs beside `import boto3`. Nothing here depends on how fast the machine is."""
from __future__ import annotations

import json
import subprocess
import sys

from infra.bench.__main__ import parse_args
from infra.bench.cold_start import ROOT, TARGET, ColdStart, import_seconds, table, verdict

# Loaded by the one function or route that needs them, through chalicelib.bootstrap's getters or inside the handler.
LEFT_FOR_LATER = ("jinja2", "requests", "aws_lambda_powertools.utilities.batch",
                  "aws_lambda_powertools.utilities.parameters", "chalicelib.adapters", "chalicelib.messaging")
# Loaded by the route that calls them (the import inside the handler): the use cases, the domain they build on and the
# web shapes made from both. A route module imports them at its top only if they are as light as web/errors.py.
LEFT_TO_THE_ROUTES = ("msgspec", "chalicelib.services", "chalicelib.domain", "chalicelib.web.shapes",
                      "chalicelib.web.wire", "chalicelib.web.openapi")
# What every route module may import at its top: the constants of the metrics port, and light domain modules (errors,
# id shapes, audit records, unsubscribe tokens) that build no rules, ledger or member classes.
LIGHT = {"chalicelib.services", "chalicelib.services.ports", "chalicelib.services.ports.metrics", "chalicelib.domain",
         "chalicelib.domain.audit", "chalicelib.domain.errors", "chalicelib.domain.ids", "chalicelib.domain.tokens"}


def modules_after(statement: str) -> list[str]:
    code = f"import json, sys; {statement}; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_importing_the_app_leaves_templates_http_clients_adapters_and_batches_to_the_functions_that_use_them():
    loaded = modules_after("import app")
    assert {"app", "boto3"} <= set(loaded)
    assert [m for m in loaded if m.startswith(LEFT_FOR_LATER)] == []


def test_importing_the_app_leaves_the_use_cases_the_domain_and_the_web_shapes_to_the_routes_that_use_them():
    loaded = modules_after("import app")
    assert {"chalicelib.web.admin", "chalicelib.web.webhooks", "chalicelib.jobs.worker"} <= set(loaded)
    assert [m for m in loaded if m.startswith(LEFT_TO_THE_ROUTES) and m not in LIGHT] == []


def test_the_composition_root_imports_an_adapter_when_it_first_builds_it():
    loaded = modules_after("from chalicelib import bootstrap; bootstrap.get_clock()")
    assert "chalicelib.adapters.clock" in loaded
    assert [m for m in loaded if m.startswith(LEFT_FOR_LATER) and m != "chalicelib.adapters.clock"] == [
        "chalicelib.adapters"]


def test_an_import_is_timed_in_a_fresh_interpreter():
    assert import_seconds("json") > 0


def test_the_bench_prints_both_imports_and_their_ratio_against_the_target():
    result = ColdStart(boto3=0.150, app=0.210, runs=5)
    assert "| import boto3 | 150 |           1.00 |" in table(result)
    assert "| import app   | 210 |           1.40 |" in table(result)
    assert verdict(result) == f"`import app` is 1.40× `import boto3`: within the target of {TARGET}×."
    assert verdict(ColdStart(0.1, 0.2, 5)).endswith("over the target of 1.5×.")
    assert result.row() == {"import_boto3_ms": 150.0, "import_app_ms": 210.0, "ratio": 1.4, "target": 1.5, "runs": 5}


def test_the_cold_start_section_can_be_left_out():
    assert parse_args([]).cold_start is True
    assert parse_args(["--no-cold-start"]).cold_start is False
