"""Members as admins see them: found by any platform id, with their standing and one timeline."""
import json

import pytest
from chalice.test import Client

from chalicelib import bootstrap
from tests.factories import make_order
from tests.fakes import FixedClock
from tests.integration.queues import deliver

ADMIN = {"Authorization": "Bearer local-admin-key", "Content-Type": "application/json"}


@pytest.fixture
def client(aws):
    import app
    bootstrap.override("clock", FixedClock())       # the fixture order's week: standing is a rolling 12 months
    with Client(app.app, stage_name="local") as client:
        yield client


@pytest.fixture
def member_id(client, aws):
    deliver(client, aws, "orders/paid", make_order(), "wh-1", require=True)
    [member] = client.http.get("/admin/members?email=ada@example.com", headers=ADMIN).json_body["members"]
    return member["member_id"]


def test_a_member_is_found_by_shopify_customer_id_and_unknown_ids_find_nobody(client, member_id):
    found = client.http.get("/admin/members?shopify_customer_id=7390012345678901234", headers=ADMIN).json_body
    assert [m["member_id"] for m in found["members"]] == [member_id]
    assert client.http.get("/admin/members?shopify_customer_id=1", headers=ADMIN).json_body["members"] == []
    assert client.http.get("/admin/members?hubspot_contact_id=55", headers=ADMIN).json_body["members"] == []


@pytest.mark.parametrize("query", ["", "?email=ada@example.com&shopify_customer_id=1", "?shopify_customer_id=abc",
                                   "?hubspot_contact_id=1e5", "?email=nobody"])
def test_lookups_need_exactly_one_well_formed_id(client, query):
    response = client.http.get(f"/admin/members{query}", headers=ADMIN)
    assert (response.status_code, response.json_body["error"]["code"]) == (400, "invalid_query")


def test_the_profile_shows_progress_to_the_next_tier(client, member_id):
    profile = client.http.get(f"/admin/members/{member_id}", headers=ADMIN).json_body
    standing = profile["standing"]
    assert standing["next_tier"] == "silver"
    spend = float(standing["qualifying_spend"]["amount"])
    assert spend > 0
    assert float(standing["spend_to_next_tier"]["amount"]) == pytest.approx(500 - spend)
    assert standing["spend_to_keep_tier"] is None          # the lowest tier needs no keeping
    assert profile["identities"] == ["shopify:demo-shop.myshopify.com:7390012345678901234"]


def test_the_timeline_joins_entries_and_messages_newest_first_across_pages(client, member_id):
    for n in range(3):
        client.http.post(f"/admin/members/{member_id}/adjustments", headers=ADMIN, body=json.dumps(
            {"points": 10 + n, "reason": "goodwill", "idempotency_key": f"t{n}"}))
    seen, cursor = [], None
    while True:
        query = f"?limit=2&cursor={cursor}" if cursor else "?limit=2"
        page = client.http.get(f"/admin/members/{member_id}/timeline{query}", headers=ADMIN).json_body
        seen += page["events"]
        cursor = page["next"]
        if not cursor:
            break
    ledger = [e["entry"]["points"] for e in seen if e["type"] == "ledger"]
    assert sorted(ledger) == [10, 11, 12, 150]
    kinds = [e["message"]["kind"] for e in seen if e["type"] == "message"]
    assert sorted(kinds) == sorted({*kinds})      # every message once
    assert "points_earned" in kinds
    times = [e["at"] for e in seen]
    assert times == sorted(times, reverse=True)
    bad = client.http.get(f"/admin/members/{member_id}/timeline?cursor=nonsense", headers=ADMIN)
    assert (bad.status_code, bad.json_body["error"]["code"]) == (400, "invalid_cursor")
