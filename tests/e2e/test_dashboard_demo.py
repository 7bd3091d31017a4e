"""The dashboard on the real local stack seeded by `make demo-data`: a small demo population goes through the stack's
webhook path with its clock moved, then (a) every KPI of the summary equals an independent computation over the
webhooks the demo sent (its events.jsonl) and the ledger export, and (b) Debian's chromium signs in to the dashboard
with a read key, every chart draws, every tile shows the API's figure, nothing fails in the console or the CSP, and
screenshots at desktop and phone widths go to .local/screenshots/dashboard-demo/."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from infra.demo import kpis
from infra.local.settings import REPO_ROOT
from tests.browser import dashboard_checks as checks
from tests.e2e.harness import ADMIN, INHERITED_SETTINGS, Stack

CUSTOMERS, SEED, MONTHS = 30, 11, 12
SHOTS = REPO_ROOT / ".local" / "screenshots" / "dashboard-demo"

pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def demo(stack: Stack) -> tuple[Stack, Path, date]:
    """The demo sent to the stack, ending today (UTC); its data directory and end."""
    end = datetime.now(UTC).date()
    env = {k: v for k, v in os.environ.items() if not k.startswith(INHERITED_SETTINGS)}
    env.update({k: str(v) for k, v in (stack.ports or {}).items()})
    data_dir = Path(env.get("LOYALTY_DATA_DIR") or stack.log.parent / "data")
    env["LOYALTY_DATA_DIR"] = str(data_dir)
    done = subprocess.run([sys.executable, "-m", "infra.demo_data", "--customers", str(CUSTOMERS), "--seed",
                           str(SEED), "--months", str(MONTHS), "--end", end.isoformat()],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=800, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "The stack's clock is the real time again." in done.stdout
    return stack, data_dir, end


def sent_webhooks(data_dir: Path) -> list[tuple[str, dict[str, Any]]]:
    lines = (data_dir / "demo" / "events.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    return [(r["topic"], r["body"]) for r in records if "body" in r and r.get("status") == 200]


def ledger_pages(api: str) -> list[str]:
    pages, path = [], "/admin/exports/ledger.csv?limit=1000"
    while path:
        response = requests.get(api + path, headers=ADMIN, timeout=30)
        assert response.status_code == 200, response.text
        pages.append(response.text)
        cursor = response.headers.get("x-next-cursor")
        path = f"/admin/exports/ledger.csv?limit=1000&cursor={cursor}" if cursor else None
    return pages


def test_the_summary_equals_a_count_over_the_webhooks_sent_and_the_ledger(demo):
    stack, data_dir, end = demo
    days = kpis.purchase_days(sent_webhooks(data_dir))
    entries = kpis.ledger_entries(ledger_pages(stack.api))
    assert len(days) > CUSTOMERS // 2
    assert {e.kind for e in entries} >= {"earn", "redeem"}
    last = end - timedelta(days=1)
    for p in (kpis.Period(last - timedelta(days=29), last), kpis.Period(last - timedelta(days=364), last),
              kpis.Period(end - timedelta(days=MONTHS * 30), end - timedelta(days=MONTHS * 30 - 89))):
        body = requests.get(f"{stack.api}/admin/analytics/summary?from={p.first}&to={p.last}", headers=ADMIN,
                            timeout=30).json()
        assert kpis.as_summary(body) == kpis.expected_summary(days, entries, p, Decimal("0.01")), p
        assert kpis.as_summary(body["previous"]) == kpis.expected_summary(days, entries, p.previous(),
                                                                          Decimal("0.01")), p


def test_the_dashboard_draws_every_chart_with_the_apis_figures(demo):
    stack, _, _ = demo
    key = requests.post(f"{stack.api}/admin/api-keys", headers={**ADMIN, "Content-Type": "application/json"},
                        json={"name": "dashboard", "scopes": ["read"]}, timeout=30)
    assert key.status_code == 201, key.text
    profile = tempfile.mkdtemp(prefix="chromium-")
    driver = webdriver.Chrome(service=Service(str(checks.CHROMEDRIVER)), options=checks.chrome_options(profile))
    try:
        checks.sign_in(driver, stack.api, key.json()["key"])
        drawn = checks.charts_drawn(driver)
        assert len(drawn) >= 8
        assert all(drawn.values()), drawn                      # the demo has data for every chart
        assert checks.tile_mismatches(driver, checks.page_summary(driver)) == {}
        log = checks.browser_log(driver)
        assert checks.console_errors(log) == []
        assert checks.csp_violations(driver, log) == []
        checks.screenshots(driver, SHOTS)
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    assert (SHOTS / "desktop.png").stat().st_size > 0
    assert (SHOTS / "phone.png").stat().st_size > 0
