"""`make job`, `make webhook`, `make hubspot-webhook`, `make rules`, `make demo-data`, `make analytics-export` and
`make replay` without a stack on their ports say so plainly and exit 1, instead of dying with a traceback."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.local.settings import REPO_ROOT
from tests.e2e.harness import _free_port

pytestmark = [pytest.mark.timeout(120)]
EVENTS = REPO_ROOT / "tests" / "events"


@pytest.mark.parametrize(("command", "port_variable"), [
    (["infra.local.job", "--job", "orders_due", "--at", "2026-05-01T03:00:00Z"], "LOYALTY_AWS_PORT"),
    (["infra.webhook", str(EVENTS / "shopify" / "orders-paid.2026-04.json")], "LOYALTY_PORT"),
    (["infra.hubspot_webhook", "HUBSPOT_EVENTS"], "LOYALTY_PORT"),
    (["infra.rules", "show", "--program", "demo"], "LOYALTY_AWS_PORT"),
    (["infra.demo_data", "--customers", "10"], "LOYALTY_PORT"),
    (["infra.analytics.local_export"], "LOYALTY_AWS_PORT"),
    (["infra.replay", "--queue", "ingest"], "LOYALTY_AWS_PORT"),
], ids=["job", "webhook", "hubspot-webhook", "rules", "demo-data", "analytics-export", "replay"])
def test_a_command_without_a_running_stack_says_so_and_exits_1(command: list[str], port_variable: str,
                                                                tmp_path: Path) -> None:
    events = tmp_path / "events.json"
    events.write_text('[{"eventId": 1, "portalId": 62515, "subscriptionType": "contact.creation", "objectId": 7}]')
    ports = {name: str(_free_port()) for name in ("LOYALTY_PORT", "LOYALTY_DDB_PORT", "LOYALTY_AWS_PORT")}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOYALTY_", "AWS_ENDPOINT_URL"))} | ports

    done = subprocess.run([sys.executable, "-m", *[str(events) if a == "HUBSPOT_EVENTS" else a for a in command]],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=90, check=False)

    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert f"no local stack answers at http://127.0.0.1:{ports[port_variable]} (start it with `make run`, or set " \
           f"LOYALTY_PORT" in done.stderr
