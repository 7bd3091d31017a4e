"""Redemption through the API on moto, with a real local HTTP server standing in for Shopify's Admin API."""
import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.adapters.crm_connectors import ConnectorClients
from infra.local.bootstrap import bootstrap as local_bootstrap
from infra.local.settings import program_settings
from tests.factories import make_order
from tests.fakes import FixedClock
from tests.integration.queues import deliver
from tests.platform_server import Answer, PlatformServer

ADMIN = {"Authorization": "Bearer local-admin-key", "Content-Type": "application/json"}
GRAPHQL = "/admin/api/2025-10/graphql.json"
COST = {"cost": {"requestedQueryCost": 10, "actualQueryCost": 10,
                 "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1990, "restoreRate": 100.0}}}


def created(node_id="gid://shopify/DiscountCodeNode/1001"):
    return Answer(200, {"data": {"discountCodeBasicCreate": {"codeDiscountNode": {"id": node_id}, "userErrors": []}},
                        "extensions": COST})


@pytest.fixture
def shop_api():
    server = PlatformServer().start()
    yield server
    server.stop()


def stack(env):
    with mock_aws():
        bootstrap.reset()
        local_bootstrap(program_settings(env))
        bootstrap.override("connector_clients", ConnectorClients(bootstrap.get_directory().connector_settings,
                                                                 sleep=lambda _: None, timeout=(0.5, 0.5)))
        import app
        with Client(app.app, stage_name="local") as client:
            yield client
    bootstrap.reset()


@pytest.fixture
def connected(shop_api):
    yield from stack({"SHOPIFY_ACCESS_TOKEN": "shpat_test", "SHOPIFY_ADMIN_API_BASE": shop_api.url})


@pytest.fixture
def unconnected(aws):
    import app
    with Client(app.app, stage_name="local") as client:
        yield client


def member_with(client, balance):
    """A Shopify customer who earned 150 points on an order, topped up to `balance`."""
    deliver(client, boto3.Session(), "orders/paid", make_order(), "wh-1", require=True)
    [member] = client.http.get("/admin/members?email=ada@example.com", headers=ADMIN).json_body["members"]
    mid = member["member_id"]
    if balance != 150:
        client.http.post(f"/admin/members/{mid}/adjustments", headers=ADMIN, body=json.dumps(
            {"points": balance - 150, "reason": "setup", "idempotency_key": "setup"}))
    return mid


def reward(client, cost=300, **extra):
    body = {"name": "$10 off", "kind": "fixed_amount", "value": "10.00", "points_cost": cost, **extra}
    return client.http.post("/admin/rewards", headers=ADMIN, body=json.dumps(body)).json_body["reward_id"]


def redeem(client, mid, reward_id, key="r-1"):
    return client.http.post(f"/admin/members/{mid}/redemptions", headers=ADMIN,
                            body=json.dumps({"reward_id": reward_id, "idempotency_key": key}))


def balance(client, mid):
    return client.http.get(f"/admin/members/{mid}", headers=ADMIN).json_body["points_balance"]


def run_registration(client, at=None):
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                            resources=[])
    event["time"] = (at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return client.lambda_.invoke("register_discounts", event).payload


def messages(client, mid):
    return {m["kind"]: m for m in client.http.get(f"/admin/messages?member_id={mid}", headers=ADMIN)
            .json_body["messages"]}


def test_a_redemption_deducts_once_returns_the_code_and_a_repeat_returns_the_same(unconnected):
    client = unconnected
    mid = member_with(client, 1000)
    rid = reward(client, validity_days=30)
    first = redeem(client, mid, rid)
    assert first.status_code == 201
    body = first.json_body
    assert (body["points"], body["status"], body["reward_id"]) == (300, "not_registered", rid)
    assert body["code"].startswith("LOY-")
    assert len(body["code"]) == 18
    again = redeem(client, mid, rid)
    assert (again.status_code, again.json_body["redemption_id"], again.json_body["code"]) == (
        200, body["redemption_id"], body["code"])
    assert balance(client, mid) == 700
    ledger = client.http.get(f"/admin/members/{mid}/ledger", headers=ADMIN).json_body["entries"]
    assert (ledger[0]["kind"], ledger[0]["points"]) == ("redeem", -300)
    mail = messages(client, mid)["reward_code"]        # no Shopify connector: the code goes out at once
    assert mail["status"] == "scheduled"
    other = redeem(client, mid, reward(client, cost=100))
    assert (other.status_code, other.json_body["error"]["code"]) == (409, "idempotency_conflict")
    audit = client.http.get("/admin/audit", headers=ADMIN).json_body["records"]
    assert [a["action"] for a in audit if a["action"].startswith("redemption")] == ["redemption.create"]


def test_a_balance_that_does_not_cover_the_reward_is_409_and_changes_nothing(unconnected):
    client = unconnected
    mid = member_with(client, 150)
    response = redeem(client, mid, reward(client, cost=300))
    assert (response.status_code, response.json_body["error"]["code"]) == (409, "insufficient_points")
    assert balance(client, mid) == 150
    assert client.http.get(f"/admin/members/{mid}/redemptions", headers=ADMIN).json_body["redemptions"] == []


@pytest.mark.parametrize(("body", "status"), [
    ({}, 400), ({"reward_id": "rw_x"}, 400), ({"reward_id": 5, "idempotency_key": "k"}, 400),
    ({"reward_id": "rw_x", "idempotency_key": "k", "points": 1}, 400), ({"reward_id": "rw_x",
                                                                         "idempotency_key": "k"}, 404),
    ({"reward_id": "rw_x", "idempotency_key": "k" * 256}, 400),
])
def test_bad_redemptions_are_4xx_and_change_nothing(unconnected, body, status):
    client = unconnected
    mid = member_with(client, 1000)
    response = client.http.post(f"/admin/members/{mid}/redemptions", headers=ADMIN, body=json.dumps(body))
    assert response.status_code == status
    assert set(response.json_body) == {"error"}
    assert balance(client, mid) == 1000


def test_with_shopify_connected_the_job_registers_a_customer_specific_single_use_code(connected, shop_api):
    client = connected
    mid = member_with(client, 1000)
    shop_api.script("POST", GRAPHQL, created())
    body = redeem(client, mid, reward(client, validity_days=30, minimum_subtotal="50.00")).json_body
    assert body["status"] == "pending_registration"
    assert "reward_code" not in messages(client, mid)          # mailed once Shopify knows the code
    assert run_registration(client) == {"demo": {"done": 1, "failed": 0}}
    [call] = shop_api.to("POST", GRAPHQL)
    assert call.headers["x-shopify-access-token"] == "shpat_test"
    spec = call.body["variables"]["d"]
    assert (spec["code"], spec["usageLimit"], spec["appliesOncePerCustomer"]) == (body["code"], 1, True)
    assert spec["context"] == {"customers": {"add": ["gid://shopify/Customer/7390012345678901234"]}}
    assert spec["customerGets"]["value"] == {"discountAmount": {"amount": "10.00", "appliesOnEachItem": False}}
    assert spec["minimumRequirement"] == {"subtotal": {"greaterThanOrEqualToSubtotal": "50.00"}}
    assert spec["endsAt"].startswith(body["expires_at"][:10])
    [stored] = client.http.get(f"/admin/members/{mid}/redemptions", headers=ADMIN).json_body["redemptions"]
    assert (stored["status"], stored["shopify_discount_id"]) == ("registered", "gid://shopify/DiscountCodeNode/1001")
    assert messages(client, mid)["reward_code"]["status"] == "scheduled"
    assert run_registration(client) == {"demo": {"done": 0, "failed": 0}}       # nothing left to register
    assert len(shop_api.to("POST", GRAPHQL)) == 1


def test_a_transient_failure_is_retried_later_and_a_permanent_one_gives_the_points_back(connected, shop_api):
    client = connected
    mid = member_with(client, 1000)
    shop_api.default("POST", GRAPHQL, Answer(503, {"errors": "unavailable"}))
    code = redeem(client, mid, reward(client)).json_body
    now = datetime.now(UTC)
    run_registration(client, now)
    [pending] = client.http.get(f"/admin/members/{mid}/redemptions", headers=ADMIN).json_body["redemptions"]
    assert (pending["status"], pending["attempts"]) == ("pending_registration", 1)
    assert pending["next_attempt_at"] > now.isoformat()
    assert balance(client, mid) == 700
    shop_api.default("POST", GRAPHQL, Answer(200, {"data": {"discountCodeBasicCreate": {
        "codeDiscountNode": None, "userErrors": [{"field": ["customerSelection"], "code": "INVALID",
                                                  "message": "Customer does not exist"}]}}, "extensions": COST}))
    run_registration(client, now + timedelta(minutes=5))
    [failed] = client.http.get(f"/admin/members/{mid}/redemptions", headers=ADMIN).json_body["redemptions"]
    assert (failed["redemption_id"], failed["status"]) == (code["redemption_id"], "failed")
    assert "Customer does not exist" in failed["last_error"]
    assert balance(client, mid) == 1000
    entries = client.http.get(f"/admin/members/{mid}/ledger", headers=ADMIN).json_body["entries"]
    assert [(e["kind"], e["points"]) for e in entries[:2]] == [("redeem", 300), ("redeem", -300)]
    assert messages(client, mid)["redemption_failed"]["status"] == "scheduled"
    run_registration(client, now + timedelta(minutes=10))
    assert balance(client, mid) == 1000                       # given back once


def test_an_idempotency_key_ending_in_reversal_cannot_take_another_redemptions_give_back(connected, shop_api):
    client = connected
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    bootstrap.override("clock", FixedClock(now))
    mid = member_with(client, 1000)
    rid = reward(client)
    first = redeem(client, mid, rid, key="desk-1").json_body
    redeem(client, mid, rid, key="desk-1:reversal")               # the key the old reversal of `desk-1` used
    assert balance(client, mid) == 400
    shop_api.default("POST", GRAPHQL, Answer(200, {"data": {"discountCodeBasicCreate": {
        "codeDiscountNode": None, "userErrors": [{"field": ["code"], "code": "INVALID", "message": "refused"}]}},
        "extensions": COST}))
    assert run_registration(client, now + timedelta(minutes=1)) == {"demo": {"done": 2, "failed": 0}}
    statuses = {r["redemption_id"]: r["status"] for r in
                client.http.get(f"/admin/members/{mid}/redemptions", headers=ADMIN).json_body["redemptions"]}
    assert statuses[first["redemption_id"]] == "failed"
    assert set(statuses.values()) == {"failed"}
    assert balance(client, mid) == 1000                          # both give-backs landed


def test_a_retired_reward_is_no_longer_redeemable_and_issued_codes_stay(unconnected):
    client = unconnected
    mid = member_with(client, 1000)
    rid = reward(client)
    issued = redeem(client, mid, rid, key="before").json_body

    retired = client.http.delete(f"/admin/rewards/{rid}", headers=ADMIN)

    assert (retired.status_code, retired.json_body["active"]) == (200, False)
    assert client.http.delete(f"/admin/rewards/{rid}", headers=ADMIN).status_code == 200     # asked again: fine
    listed = client.http.get("/admin/rewards", headers=ADMIN).json_body["rewards"]
    assert [(r["reward_id"], r["active"]) for r in listed] == [(rid, False)]
    refused = redeem(client, mid, rid, key="after")
    assert (refused.status_code, refused.json_body["error"]["code"]) == (404, "not_found")
    assert client.http.get(f"/admin/members/{mid}/redemptions", headers=ADMIN).json_body["redemptions"][0][
        "code"] == issued["code"]
    audit = client.http.get("/admin/audit", headers=ADMIN).json_body["records"]
    assert [a["action"] for a in audit].count("reward.retire") == 1
    assert client.http.delete("/admin/rewards/rw_0000000000000000", headers=ADMIN).status_code == 404
    assert client.http.delete("/admin/rewards/" + "x" * 3000, headers=ADMIN).status_code == 404
