"""The real local stack (`python -m infra.local.run`: DynamoDB Local, moto, chalice local, the pump) over HTTP."""
from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import requests

from tests.e2e.harness import (
    ADMIN,
    Stack,
    find_member,
    order,
    post_webhook,
    queues_empty,
    start_stack,
    stop_and_check,
    wait,
)

pytestmark = [pytest.mark.local_stack, pytest.mark.timeout(180)]


def test_a_paid_order_earns_its_points_once(stack: Stack) -> None:
    email, order_id = "jon@example.com", 5_820_982_911_946_154_508
    body = json.dumps(order(order_id, email)).encode()
    webhook_id = str(uuid.uuid4())

    assert post_webhook(stack.api, body, webhook_id).status_code == 200

    member = wait(lambda: find_member(stack.api, email), 20)
    assert member is not None, "the member did not appear within 20 s"
    assert member["points_balance"] == 70
    ledger = requests.get(f"{stack.api}/admin/members/{member['member_id']}/ledger", headers=ADMIN, timeout=10).json()
    assert [(e["kind"], e["points"], e["source"]["order_id"]) for e in ledger["entries"]] == \
        [("earn", 70, str(order_id))]

    assert post_webhook(stack.api, body, webhook_id).status_code == 200  # Shopify retries the same delivery
    assert post_webhook(stack.api, body, str(uuid.uuid4())).status_code == 200  # and sends the event again
    assert wait(lambda: queues_empty(stack), 15), "the ingest queue did not drain"

    again = requests.get(f"{stack.api}/admin/members/{member['member_id']}/ledger", headers=ADMIN, timeout=10).json()
    assert [e["entry_id"] for e in again["entries"]] == [ledger["entries"][0]["entry_id"]]
    assert find_member(stack.api, email)["points_balance"] == 70  # type: ignore[index]


def test_a_bad_signature_is_refused_with_a_json_error(stack: Stack) -> None:
    body = json.dumps(order(1001, "eve@example.com")).encode()

    response = post_webhook(stack.api, body, str(uuid.uuid4()), secret=b"not-the-secret")

    assert response.status_code == 401
    error = response.json()["error"]
    assert set(error) == {"code", "message"}
    assert error["code"]
    assert error["message"]


def test_sigterm_stops_every_process_and_a_restart_keeps_the_data(tmp_path: Path) -> None:
    first = start_stack(tmp_path / "data")
    try:
        assert post_webhook(first.api, json.dumps(order(42, "ann@example.com")).encode(), "w-1").status_code == 200
        assert wait(lambda: find_member(first.api, "ann@example.com"), 20)
    finally:
        stop_and_check(first)

    second = start_stack(tmp_path / "data")
    try:
        member = find_member(second.api, "ann@example.com")
        assert member is not None
        assert member["points_balance"] == 70
    finally:
        stop_and_check(second)
