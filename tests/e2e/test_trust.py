"""Trust on the real local stack: one member per person whichever system speaks first; time travel with
`make job AT=...` never makes later real-time runs skip work."""
from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from infra.hubspot_webhook import signed_headers
from infra.local.settings import REPO_ROOT
from tests.e2e.harness import ADMIN, Stack, find_member, order, post_webhook, wait

pytestmark = [pytest.mark.local_stack, pytest.mark.timeout(180)]
CONTACT = REPO_ROOT / "tests/events/hubspot/local-contact.v3.json"    # contact 501: ada@example.com, 25 points


def post_hubspot(stack: Stack, body: bytes) -> requests.Response:
    url = f"{stack.api}/webhooks/hubspot"
    headers = signed_headers(body, url, "local-hubspot-secret", int(time.time() * 1000))   # the stack's own clock
    return requests.post(url, data=body, headers=headers, timeout=10)


def by_contact(stack: Stack, contact: int) -> dict | None:
    found = requests.get(f"{stack.api}/admin/members", params={"hubspot_contact_id": contact}, headers=ADMIN,
                         timeout=10).json()["members"]
    return found[0] if found else None


def test_a_hubspot_contact_first_and_the_same_persons_shopify_order_are_one_member(stack: Stack) -> None:
    assert post_hubspot(stack, Path(CONTACT).read_bytes()).status_code == 200
    prospect = wait(lambda: (m := by_contact(stack, 501)) and m["points_balance"] == 25 and m, 20)
    assert prospect, "the contact did not become a member with its 25 points"

    assert post_webhook(stack.api, json.dumps(order(7_001, "Ada@Example.com")).encode(), "one-person").status_code \
        == 200

    member = wait(lambda: (m := by_contact(stack, 501)) and m["points_balance"] == 25 + 70 and m, 20)
    assert member, f"the order did not land on the contact's member: {by_contact(stack, 501)}"
    assert find_member(stack.api, "ada@example.com") == member          # one member for the email
    assert member["merged_from"] == [prospect["member_id"]]
    absorbed = requests.get(f"{stack.api}/admin/members/{prospect['member_id']}", headers=ADMIN, timeout=10).json()
    assert (absorbed["merged_into"], absorbed["points_balance"]) == (member["member_id"], 0)


def test_a_job_run_as_of_a_later_time_does_not_hide_work_written_afterwards(stack: Stack) -> None:
    later = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    assert stack.job("dispatch_messages", later).returncode == 0      # time travel, as the README shows

    assert post_webhook(stack.api, json.dumps(order(7_002, "ben@example.com")).encode(), "after").status_code == 200
    member = wait(lambda: find_member(stack.api, "ben@example.com"), 20)
    assert member, "the order was not applied"
    # now (schedule events carry whole seconds: a message written this second is due at the next one)
    assert stack.job("dispatch_messages", (datetime.now(UTC) + timedelta(seconds=2)).isoformat()).returncode == 0

    messages = requests.get(f"{stack.api}/admin/messages", params={"member_id": member["member_id"]},
                            headers=ADMIN, timeout=10).json()["messages"]
    [earned] = [m for m in messages if m["kind"] == "points_earned"]
    assert earned["status"] in {"sent", "deferred"}, earned            # looked at (quiet hours may defer it)
