"""Members as admins see them: found by any platform id, with their standing and one timeline."""
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from chalice.test import Client
from jsonschema import Draft202012Validator

from chalicelib import bootstrap
from chalicelib.adapters.dynamodb_attributes import item_key, to_attributes
from chalicelib.adapters.dynamodb_codec import prediction_attribute, rfm_attribute
from chalicelib.adapters.dynamodb_keys import PROFILE, member_pk
from chalicelib.domain.journey import Prediction, Rfm
from chalicelib.web.openapi import document
from tests.factories import load_event, make_order
from tests.fakes import FixedClock
from tests.integration.queues import deliver

ADMIN = {"Authorization": "Bearer local-admin-key", "Content-Type": "application/json"}
PAID_AT = make_order()["processed_at"]
SECOND_ORDER, SECOND_PAID_AT = 5928371928374650999, "2026-11-22T09:00:00-05:00"


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



def profile(client, member_id):
    body = client.http.get(f"/admin/members/{member_id}", headers=ADMIN).json_body
    conforms(body, "Profile")
    return body


def conforms(body, shape):
    """The answer is one the OpenAPI document describes (as Schemathesis checks on the local stack)."""
    components = document()["components"]
    Draft202012Validator({"$ref": f"#/components/schemas/{shape}", "components": components}).validate(body)


def timeline_events(client, member_id):
    page = client.http.get(f"/admin/members/{member_id}/timeline", headers=ADMIN).json_body
    conforms(page, "Timeline")
    return [e["event"] for e in page["events"] if e["type"] == "event"]


def test_after_a_first_order_the_member_is_a_first_time_customer_since_that_order(client, member_id):
    journey = profile(client, member_id)["journey"]
    assert journey == {"stage": "first_time", "state": "active", "stage_since": PAID_AT, "rfm": None,
                       "predictions": None}


def test_an_order_on_another_day_makes_a_repeat_customer(client, aws, member_id):
    deliver(client, aws, "orders/paid", make_order(id=SECOND_ORDER, processed_at=SECOND_PAID_AT), "wh-2", require=True)
    journey = profile(client, member_id)["journey"]
    assert (journey["stage"], journey["state"], journey["stage_since"]) == ("repeat", "active", SECOND_PAID_AT)


def test_a_customer_without_an_order_is_a_prospect_since_they_were_created(client, aws):
    deliver(client, aws, "customers/create", {**load_event("shopify/customers-create.2026-04"), "id": 1000,
                                              "email": "cy@example.com"}, "c1", require=True)
    [cy] = client.http.get("/admin/members?email=cy@example.com", headers=ADMIN).json_body["members"]
    body = profile(client, cy["member_id"])
    assert body["journey"] == {"stage": "prospect", "state": None, "stage_since": body["created_at"], "rfm": None,
                               "predictions": None}
    assert timeline_events(client, cy["member_id"]) == []


def test_the_nightly_scores_and_predictions_show_rounded_with_money_in_the_shops_currency(client, aws, member_id):
    nightly = datetime(2026, 11, 23, 3, 15, tzinfo=UTC)
    next_order = datetime(2027, 1, 9, tzinfo=UTC)
    values = {":rfm": rfm_attribute(Rfm(5, 1, 4, "new_customers", "promising")),
              ":prediction": prediction_attribute(Prediction(0.876543, 1.23456, Decimal("45.678"), next_order)),
              ":at": nightly}
    aws.client("dynamodb").update_item(
        TableName=bootstrap.get_settings().table_name, Key=item_key(member_pk("demo", member_id), PROFILE),
        UpdateExpression="SET rfm = :rfm, prediction = :prediction, evaluated_at = :at",
        ExpressionAttributeValues=to_attributes(values))

    journey = profile(client, member_id)["journey"]

    currency = bootstrap.get_directory().messaging("demo").currency
    assert journey["rfm"] == {"recency": 5, "frequency": 1, "monetary": 4, "segment": "new_customers",
                              "previous_segment": "promising"}
    assert journey["predictions"] == {"p_alive": 0.8765, "expected_orders_365d": 1.23,
                                      "predicted_clv_365d": {"amount": "45.68", "currency": currency},
                                      "expected_next_order_at": next_order.isoformat()}


def test_the_timeline_lists_the_journey_changes_of_each_order_with_their_causes(client, aws, member_id):
    deliver(client, aws, "orders/paid", make_order(id=SECOND_ORDER, processed_at=SECOND_PAID_AT), "wh-2", require=True)

    second, first = timeline_events(client, member_id)

    assert second == {"kind": "journey_changed", "at": SECOND_PAID_AT, "changes": [
        {"kind": "stage", "from": "first_time", "to": "repeat", "at": SECOND_PAID_AT, "cause": "order"}]}
    assert first == {"kind": "journey_changed", "at": PAID_AT, "changes": [
        {"kind": "stage", "from": "prospect", "to": "first_time", "at": PAID_AT, "cause": "order"},
        {"kind": "state", "from": None, "to": "active", "at": PAID_AT, "cause": "order"}]}


def test_earlier_orders_arriving_late_keep_every_journey_change_beside_the_tier_upgrade(client, aws, member_id):
    for n, day in enumerate((17, 18, 19), start=2):      # earlier orders, each arriving after the one of the 20th
        deliver(client, aws, "orders/paid", make_order(id=SECOND_ORDER + n, processed_at=f"2026-11-{day}T12:00:00Z"),
                f"wh-{n}", require=True)

    events = timeline_events(client, member_id)

    assert [(e["from_tier"], e["to_tier"]) for e in events if e["kind"] == "tier_changed"] == [("member", "silver")]
    stages = {(c["from"], c["to"], c["at"]) for e in events if e["kind"] == "journey_changed" for c in e["changes"]
              if c["kind"] == "stage"}        # a stage reached late starts where the one before it started
    assert stages == {("prospect", "first_time", PAID_AT), ("first_time", "repeat", PAID_AT),
                      ("repeat", "loyal", PAID_AT)}
    assert profile(client, member_id)["journey"]["stage"] == "loyal"
