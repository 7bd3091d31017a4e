"""One member per person, whichever of HubSpot and Shopify speaks first: webhooks in, the admin API out (moto)."""
import json
from datetime import UTC, datetime

import pytest
from chalice.test import Client

from tests.hubspot_factories import OCCURRED, PORTAL, batch, hubspot_headers, prop
from tests.integration.queues import apply_queued
from tests.integration.test_app import ADMIN, post_order

EMAIL = "ada@example.com"


@pytest.fixture
def client(aws):
    import app
    with Client(app.app, stage_name="local") as client:
        yield client


def hubspot(client, aws, *events):
    body = batch(*events)
    assert client.http.post("/webhooks/hubspot", headers=hubspot_headers(body, datetime.now(UTC)),
                            body=body).status_code == 200
    assert apply_queued(client, aws) == {"batchItemFailures": []}


def shopify(client, aws, webhook_id="wh-1", **changes):
    assert post_order(client, webhook_id, **changes).status_code == 200
    assert apply_queued(client, aws) == {"batchItemFailures": []}


def get(client, path):
    response = client.http.get(path, headers=ADMIN)
    assert response.status_code == 200, response.json_body
    return response.json_body


def by_email(client, email=EMAIL):
    return get(client, f"/admin/members?email={email}")["members"]


def entries(client, member_id):
    return get(client, f"/admin/members/{member_id}/ledger?limit=100")["entries"]


def assert_balances_equal_their_entries(client, member_id):
    member, lines = get(client, f"/admin/members/{member_id}"), entries(client, member_id)
    assert member["points_balance"] == sum(e["points"] for e in lines)
    assert member["pending_points"] == sum(e["pending_points"] for e in lines)


def enrol_contact(client, aws, contact=1, email=EMAIL, grant="40"):
    hubspot(client, aws, prop(contact, "email", email), prop(contact, "loyalty_grant_points", grant, event_id=3))
    [member] = get(client, f"/admin/members?hubspot_contact_id={contact}")["members"]
    return member


def test_a_hubspot_contact_enrolled_first_and_the_same_persons_shopify_order_land_on_one_member(client, aws):
    prospect = enrol_contact(client, aws)
    assert (prospect["points_balance"], prospect["identities"]) == (40, [f"hubspot:{PORTAL}:1"])

    shopify(client, aws)                                    # the same email orders in the shop: 150 points

    [member] = by_email(client)
    assert member["points_balance"] == 150 + 40
    assert member["lifetime_points"] == 150 + 40
    assert set(member["identities"]) == {f"hubspot:{PORTAL}:1", "shopify:demo-shop.myshopify.com:7390012345678901234"}
    assert get(client, "/admin/members?hubspot_contact_id=1")["members"] == [member]
    assert get(client, "/admin/members?shopify_customer_id=7390012345678901234")["members"] == [member]
    assert member["merged_from"] == [prospect["member_id"]]
    absorbed = get(client, f"/admin/members/{prospect['member_id']}")
    assert (absorbed["merged_into"], absorbed["points_balance"], absorbed["email"]) == (member["member_id"], 0, None)
    for member_id in (member["member_id"], prospect["member_id"]):
        assert_balances_equal_their_entries(client, member_id)
    moved = [(e["kind"], e["points"]) for e in entries(client, member["member_id"]) if e["kind"] == "merge"]
    assert moved == [("merge", 40)]
    [audit] = [r for r in get(client, "/admin/audit")["records"] if r["action"] == "member.merge"]
    assert audit["target"] == f"member:{member['member_id']}"


def test_later_events_of_both_systems_keep_landing_on_the_one_member(client, aws):
    prospect = enrol_contact(client, aws)
    shopify(client, aws)
    shopify(client, aws, "wh-1-again")                      # the same order again: nothing changes
    hubspot(client, aws, prop(1, "loyalty_grant_points", "10", event_id=9))
    shopify(client, aws, "wh-2", id=5928371928374650999, name="#1043")
    [member] = by_email(client)
    assert member["points_balance"] == 150 + 40 + 10 + 150
    assert get(client, f"/admin/members/{prospect['member_id']}")["points_balance"] == 0
    assert_balances_equal_their_entries(client, member["member_id"])


def test_a_contacts_new_email_that_a_shopify_customer_has_makes_the_two_members_one(client, aws):
    shopify(client, aws)
    contact = enrol_contact(client, aws, contact=2, email="ada.work@example.com", grant="25")
    assert contact["member_id"] != by_email(client)[0]["member_id"]       # two members, for now

    hubspot(client, aws, prop(2, "email", EMAIL, event_id=12, occurred_at=OCCURRED + 60_000))

    [member] = by_email(client)
    assert member["points_balance"] == 150 + 25
    assert get(client, "/admin/members?hubspot_contact_id=2")["members"] == [member]
    assert by_email(client, "ada.work@example.com") == []


def test_a_merchant_merges_a_contact_with_another_email_into_the_shopify_customer(client, aws):
    shopify(client, aws)
    [customer] = by_email(client)
    contact = enrol_contact(client, aws, contact=3, email="ada.home@example.com", grant="60")
    headers = {**ADMIN, "Content-Type": "application/json"}
    body = json.dumps({"member_id": customer["member_id"], "reason": "same person, told us by phone"})

    response = client.http.post(f"/admin/members/{contact['member_id']}/merge", headers=headers, body=body)

    assert response.status_code == 200
    assert (response.json_body["member_id"], response.json_body["points_balance"]) == (customer["member_id"], 210)
    again = client.http.post(f"/admin/members/{contact['member_id']}/merge", headers=headers, body=body)
    assert (again.status_code, again.json_body["points_balance"]) == (200, 210)      # asked twice, merged once
    assert get(client, "/admin/members?hubspot_contact_id=3")["members"][0]["member_id"] == customer["member_id"]
    [audit] = [r for r in get(client, "/admin/audit")["records"] if r["action"] == "member.merge"]
    assert audit["reason"] == "same person, told us by phone"


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"member_id": "m_0123456789abcdef01234567", "reason": "x"}, 404, "not_found"),
    ({"member_id": "nobody", "reason": "x"}, 400, "invalid_merge"),
    ({"member_id": "m_0123456789abcdef01234567"}, 400, "invalid_merge"),
    ({"member_id": "m_0123456789abcdef01234567", "reason": "x", "force": True}, 400, "invalid_merge"),
])
def test_a_bad_merge_request_is_4xx_and_changes_nothing(client, aws, body, status, code):
    shopify(client, aws)
    [customer] = by_email(client)
    response = client.http.post(f"/admin/members/{customer['member_id']}/merge",
                                headers={**ADMIN, "Content-Type": "application/json"}, body=json.dumps(body))
    assert (response.status_code, response.json_body["error"]["code"]) == (status, code)
    assert by_email(client) == [customer]


def test_a_shopify_customer_account_created_after_the_contact_joins_it_and_stale_ids_still_reach_the_person(client,
                                                                                                          aws):
    from tests.factories import body_of, load_event, shopify_headers
    prospect = enrol_contact(client, aws)
    body = body_of(load_event("shopify/customers-create.2026-04"))
    client.http.post("/webhooks/shopify", headers=shopify_headers(body, topic="customers/create", webhook_id="c1"),
                     body=body)
    assert apply_queued(client, aws) == {"batchItemFailures": []}
    [member] = by_email(client)
    assert member["points_balance"] == 40 + 100                  # the contact's grant and the signup bonus
    headers = {**ADMIN, "Content-Type": "application/json"}
    adjusted = client.http.post(f"/admin/members/{prospect['member_id']}/adjustments", headers=headers,
                                body=json.dumps({"points": 5, "reason": "goodwill", "idempotency_key": "k1"}))
    assert adjusted.status_code == 201                            # an id kept by a merchant's tool still works
    assert get(client, f"/admin/members/{member['member_id']}")["points_balance"] == 145
    assert get(client, f"/admin/members/{prospect['member_id']}")["points_balance"] == 0
