"""The CRM sync end to end: ledger changes on moto mark members, the `sync_crm` schedule pushes them to a local
HTTP server standing in for HubSpot and Shopify, and the admin API shows how it went."""
import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.adapters.crm_connectors import ConnectorClients
from chalicelib.adapters.dynamodb_attributes import item_key, to_attributes
from chalicelib.adapters.dynamodb_codec import feedback_attribute, prediction_attribute, rfm_attribute
from chalicelib.adapters.dynamodb_keys import PROFILE, member_pk
from chalicelib.adapters.shopify_events import load_json
from chalicelib.adapters.shopify_topics import parse_event
from chalicelib.domain.journey import Prediction, Rfm
from chalicelib.domain.ledger import EntryKind, Identity, LedgerEntry, MemberHints, member_id_for
from chalicelib.domain.orders import Delivery
from chalicelib.domain.rfm import Segment
from chalicelib.domain.surveys import FeedbackFacts
from chalicelib.services.orders import apply_order_update
from infra.local.invoke import run_job, scheduled_jobs
from tests.factories import SHOP, body_of, make_order
from tests.fakes import FixedClock, StaticRules
from tests.integration.test_app import ADMIN
from tests.platform_server import Answer

T0 = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
BATCH = "/crm/v3/objects/contacts/batch/update"
GRAPHQL = "/admin/api/2025-10/graphql.json"
ADA = "7390012345678901234"
BOB = "7390012345678909999"
SHOPIFY_OK = Answer(200, {"data": {"metafieldsSet": {"userErrors": []}, "metafieldsDelete": {"userErrors": []}},
                          "extensions": {"cost": {"requestedQueryCost": 10, "throttleStatus": {
                              "maximumAvailable": 2000, "currentlyAvailable": 1990, "restoreRate": 100}}}})


@pytest.fixture
def app_module(aws):
    import app
    return app


@pytest.fixture
def sleeps():
    return []


CLOCK = FixedClock(T0)      # HubSpot's daily reset is computed from the time the client sees


def connect(aws, url, sleeps, hubspot=True, shopify=True):
    """Tokens in the program's secret, the stand-in's URL in its config; clients that sleep into a list."""
    sm, ssm = aws.client("secretsmanager"), aws.client("ssm")
    secret = json.loads(sm.get_secret_value(SecretId="loyalty/local/programs/demo")["SecretString"])
    secret |= {"hubspot_access_token": "pat-test" if hubspot else "", "shopify_access_token": "shpat-test" if shopify
               else ""}
    sm.put_secret_value(SecretId="loyalty/local/programs/demo", SecretString=json.dumps(secret))
    name = "/loyalty/local/programs/demo/config"
    config = json.loads(ssm.get_parameter(Name=name)["Parameter"]["Value"])
    ssm.put_parameter(Name=name, Overwrite=True, Value=json.dumps(
        {**config, "hubspot_api_base": url, "shopify_admin_api_base": url, "timezone": "UTC"}))
    bootstrap.override("connector_clients", ConnectorClients(bootstrap.get_directory().connector_settings,
                                                             sleep=sleeps.append, clock=CLOCK))


@pytest.fixture
def platform(aws, platform_server, sleeps):
    connect(aws, platform_server.url, sleeps)
    platform_server.default("GET", "/crm/v3/properties/contacts", Answer(200, {"results": []}))
    platform_server.default("POST", "/crm/v3/properties/contacts/groups", Answer(201, {}))
    platform_server.default("POST", "/crm/v3/properties/contacts", Answer(201, {}))
    platform_server.default("POST", BATCH, Answer(200, {"status": "COMPLETE", "results": []}))
    platform_server.default("POST", GRAPHQL, SHOPIFY_OK)
    return platform_server


def pay(order_id, at, customer=ADA, email="ada@example.com"):
    order = make_order(id=order_id, processed_at=at.isoformat(), email=email)
    order["customer"] = {**order["customer"], "id": int(customer), "email": email}
    event = parse_event(Delivery("shopify", "orders/paid", f"wh-{order_id}"), SHOP, load_json(body_of(order)))
    apply_order_update(event, "demo", StaticRules(), bootstrap.get_ledger(), FixedClock(at))


def member_of(customer):
    return member_id_for("demo", Identity("shopify", f"{SHOP}:{customer}"))


def sync(app_module, at):
    [job] = [j for j in scheduled_jobs(app_module.app) if j.name == "sync_crm"]
    CLOCK.current = at
    return run_job(app_module.app, job, at)


def inputs(server):
    return [[{k: v for k, v in i.items() if k != "objectWriteTraceId"} for i in r.body["inputs"]]
            for r in server.to("POST", BATCH)]


def metafield_calls(server):
    return [r.body["variables"] for r in server.to("POST", GRAPHQL)]


def status(app_module, member_id):
    with Client(app_module.app, stage_name="local") as client:
        return client.http.get(f"/admin/members/{member_id}/sync", headers=ADMIN)


def test_changes_within_a_minute_reach_hubspot_and_shopify_as_one_update(aws, app_module, platform):
    pay(1, T0)
    pay(2, T0 + timedelta(seconds=20))
    assert sync(app_module, T0 + timedelta(seconds=50)) == {}          # not due yet: a minute after the first change
    assert platform.requests == []

    assert sync(app_module, T0 + timedelta(seconds=61)) == {"demo": {"done": 1, "failed": 0}}

    ada = member_of(ADA)
    facts = {"points_balance": "300", "pending_points": "0", "lifetime_points": "300", "tier": "member",
             "amount_to_next_tier": "198.52", "amount_to_keep_tier": "", "next_expiry_date": "",
             "next_expiry_points": "", "member_id": ada, "last_review_request": "", "journey_stage": "first_time",
             "journey_state": "active", "rfm_segment": "", "predicted_clv": "", "p_alive": "",
             "expected_next_order": "", "last_nps": "", "nps_category": "", "last_csat": "", "last_feedback_at": ""}
    assert inputs(platform) == [[{"id": "ada@example.com", "idProperty": "email",
                                  "properties": {f"loyalty_{k}": v for k, v in facts.items()}}]]
    [shopify] = metafield_calls(platform)
    owner = f"gid://shopify/Customer/{ADA}"
    assert {m["key"]: m["value"] for m in shopify["set"]} == {k: v for k, v in facts.items() if v}
    assert {m["key"] for m in shopify["delete"]} == {k for k, v in facts.items() if not v}
    assert {(m["ownerId"], m["namespace"]) for m in shopify["set"] + shopify["delete"]} == {(owner, "loyalty")}
    assert {m["key"]: m["type"] for m in shopify["set"]}["amount_to_next_tier"] == "number_decimal"
    body = status(app_module, ada).json_body
    assert body["due_at"] is None
    assert {n: (c["status"], c["attempts"]) for n, c in body["connectors"].items()} == {
        "hubspot": ("ok", 0), "shopify": ("ok", 0)}

    assert sync(app_module, T0 + timedelta(minutes=5)) == {}            # nothing changed since: nothing sent
    assert len(platform.to("POST", BATCH)) == 1


def test_the_loyalty_properties_are_set_up_once_before_the_first_push(aws, app_module, platform):
    pay(1, T0)
    sync(app_module, T0 + timedelta(minutes=2))
    pay(2, T0 + timedelta(minutes=5))
    sync(app_module, T0 + timedelta(minutes=7))

    assert len(platform.to("POST", "/crm/v3/properties/contacts/groups")) == 1
    created = [r.body for r in platform.to("POST", "/crm/v3/properties/contacts")]
    assert len(created) == 20
    assert {(p["groupName"], p["type"]) for p in created} == {("loyalty", "number"), ("loyalty", "string"),
                                                              ("loyalty", "date"), ("loyalty", "enumeration")}
    assert created[0]["name"] == "loyalty_points_balance"
    choices = {p["name"]: [o["value"] for o in p["options"]] for p in created if p["type"] == "enumeration"}
    assert choices == {"loyalty_journey_stage": ["prospect", "first_time", "repeat", "loyal"],
                       "loyalty_journey_state": ["active", "at_risk", "lapsed", "won_back"],
                       "loyalty_rfm_segment": [s.value for s in Segment],
                       "loyalty_nps_category": ["promoter", "passive", "detractor"]}
    assert len(choices["loyalty_rfm_segment"]) == 11
    kinds = {p["name"]: (p["type"], p["fieldType"]) for p in created}
    assert [kinds[f"loyalty_{name}"] for name in ("predicted_clv", "p_alive", "expected_next_order")] == [
        ("number", "number"), ("number", "number"), ("date", "date")]
    assert len(platform.to("POST", BATCH)) == 2


def test_the_journey_and_the_nightly_predictions_reach_hubspot_and_shopify(aws, app_module, platform):
    pay(1, T0)
    pay(2, T0 + timedelta(days=2))                        # another day: a repeat customer
    next_order = datetime(2027, 1, 9, 18, tzinfo=UTC)
    scored = to_attributes({":rfm": rfm_attribute(Rfm(5, 3, 4, "loyal_customers")), ":prediction": prediction_attribute(
        Prediction(0.912345, 2.5, Decimal("310.455"), next_order))})
    aws.client("dynamodb").update_item(
        TableName=bootstrap.get_settings().table_name, Key=item_key(member_pk("demo", member_of(ADA)), PROFILE),
        UpdateExpression="SET rfm = :rfm, prediction = :prediction", ExpressionAttributeValues=scored)

    sync(app_module, T0 + timedelta(days=2, minutes=2))

    journey = {"journey_stage": "repeat", "journey_state": "active", "rfm_segment": "loyal_customers",
               "predicted_clv": "310.46", "p_alive": "0.9123", "expected_next_order": "2027-01-09"}
    [[update]] = inputs(platform)
    assert {k: update["properties"][f"loyalty_{k}"] for k in journey} == journey
    [shopify] = metafield_calls(platform)
    written = {m["key"]: (m["value"], m["type"]) for m in shopify["set"]}
    assert {k: written[k] for k in journey} == {
        "journey_stage": ("repeat", "single_line_text_field"), "journey_state": ("active", "single_line_text_field"),
        "rfm_segment": ("loyal_customers", "single_line_text_field"), "predicted_clv": ("310.46", "number_decimal"),
        "p_alive": ("0.9123", "number_decimal"), "expected_next_order": ("2027-01-09", "date")}


def test_a_member_linked_to_a_hubspot_contact_is_updated_by_its_contact_id(aws, app_module, platform):
    identity = Identity("hubspot", "62515:51")
    entry = LedgerEntry(entry_id="e_1", business_key="hubspot:62515:grant:1", kind=EntryKind.BONUS, points=40,
                        occurred_at=T0, recorded_at=T0)
    member_id = bootstrap.get_ledger().append("demo", identity, MemberHints(email="cy@example.com"), entry)

    sync(app_module, T0 + timedelta(minutes=2))

    [[update]] = inputs(platform)
    assert (update["id"], "idProperty" in update) == ("51", False)
    assert update["properties"]["loyalty_points_balance"] == "40"
    assert metafield_calls(platform) == []                 # no Shopify customer: skipped there
    connectors = status(app_module, member_id).json_body["connectors"]
    assert (connectors["shopify"]["status"], connectors["shopify"]["error"]) == (
        "skipped", "no Shopify customer in this shop")


def test_a_207_fails_only_that_member_which_is_tried_again_on_the_next_run(aws, app_module, platform):
    pay(1, T0)
    pay(2, T0, customer=BOB, email="bob@example.com")
    platform.script("POST", BATCH, Answer(207, {"status": "COMPLETE", "numErrors": 1, "errors": [
        {"status": "error", "category": "VALIDATION_ERROR", "message": "bob@example.com: a value was not valid",
         "context": {"ids": ["bob@example.com"]}}]}))

    assert sync(app_module, T0 + timedelta(minutes=2)) == {"demo": {"done": 1, "failed": 1}}

    bob = status(app_module, member_of(BOB)).json_body
    assert bob["connectors"]["hubspot"] == {"status": "failed", "at": (T0 + timedelta(minutes=2)).isoformat(),
                                            "error": "HubSpot VALIDATION_ERROR", "attempts": 1}
    assert "bob@example.com" not in json.dumps(bob)
    assert bob["connectors"]["shopify"]["status"] == "ok"
    assert bob["due_at"] == (T0 + timedelta(minutes=3)).isoformat()
    assert status(app_module, member_of(ADA)).json_body["connectors"]["hubspot"]["status"] == "ok"

    assert sync(app_module, T0 + timedelta(minutes=2, seconds=30)) == {}        # backing off
    assert sync(app_module, T0 + timedelta(minutes=3)) == {"demo": {"done": 1, "failed": 0}}
    assert [sorted(i["id"] for i in call) for call in inputs(platform)] == [
        ["ada@example.com", "bob@example.com"], ["bob@example.com"]]
    assert status(app_module, member_of(BOB)).json_body["connectors"]["hubspot"]["status"] == "ok"


def test_the_daily_limit_stops_hubspot_for_the_program_until_midnight(aws, app_module, platform):
    pay(1, T0)
    platform.script("POST", BATCH, Answer(429, {"status": "error", "message": "You have reached your daily limit.",
                                                "policyName": "DAILY", "errorType": "RATE_LIMIT"}))

    assert sync(app_module, T0 + timedelta(minutes=2)) == {"demo": {"done": 0, "failed": 1}}
    assert len(platform.to("POST", BATCH)) == 1
    ada = status(app_module, member_of(ADA)).json_body
    midnight = datetime(2026, 11, 21, tzinfo=UTC)
    assert ada["due_at"] == midnight.isoformat()
    assert (ada["connectors"]["hubspot"]["error"], ada["connectors"]["hubspot"]["attempts"]) == (
        "HubSpot's daily API limit is reached", 0)
    assert ada["connectors"]["shopify"]["status"] == "ok"

    pay(2, T0 + timedelta(hours=1), customer=BOB, email="bob@example.com")
    assert sync(app_module, T0 + timedelta(hours=1, minutes=2)) == {"demo": {"done": 0, "failed": 1}}
    assert len(platform.to("POST", BATCH)) == 1                 # paused: HubSpot is not called again today
    assert len(platform.to("POST", GRAPHQL)) == 2               # Shopify goes on

    assert sync(app_module, midnight + timedelta(minutes=1)) == {"demo": {"done": 2, "failed": 0}}
    assert [len(call) for call in inputs(platform)] == [1, 2]


def test_a_program_without_credentials_makes_no_request_and_reports_nothing(aws, app_module, platform_server,
                                                                            sleeps):
    connect(aws, platform_server.url, sleeps, hubspot=False, shopify=False)
    pay(1, T0)

    assert sync(app_module, T0 + timedelta(minutes=2)) == {}
    [hubspot_setup] = [j for j in scheduled_jobs(app_module.app) if j.name == "hubspot_setup"]
    assert run_job(app_module.app, hubspot_setup, T0) == {}

    assert platform_server.requests == []
    with Client(app_module.app, stage_name="local") as client:
        found = client.http.get("/admin/connectors", headers=ADMIN).json_body["connectors"]
    assert found == {"hubspot": {"status": "not configured", "configured": False},
                     "shopify": {"status": "not configured", "configured": False, "shop": SHOP}}
    connectors = status(app_module, member_of(ADA)).json_body["connectors"]
    assert {n: c["status"] for n, c in connectors.items()} == {"hubspot": "not configured",
                                                              "shopify": "not configured"}


def test_only_shopify_configured_syncs_shopify_alone(aws, app_module, platform_server, sleeps):
    connect(aws, platform_server.url, sleeps, hubspot=False)
    platform_server.default("POST", GRAPHQL, SHOPIFY_OK)
    pay(1, T0)

    assert sync(app_module, T0 + timedelta(minutes=2)) == {"demo": {"done": 1, "failed": 0}}

    assert {r.path for r in platform_server.requests} == {GRAPHQL}
    assert platform_server.requests[0].headers["x-shopify-access-token"] == "shpat-test"


def test_the_setup_job_creates_the_properties_once_and_is_a_no_op_after(aws, app_module, platform):
    [job] = [j for j in scheduled_jobs(app_module.app) if j.name == "hubspot_setup"]

    assert run_job(app_module.app, job, T0) == {"demo": {"set_up": True}}
    assert run_job(app_module.app, job, T0 + timedelta(days=1)) == {}

    assert len(platform.to("POST", "/crm/v3/properties/contacts/groups")) == 1
    assert platform.to("GET", "/crm/v3/properties/contacts")[0].headers["authorization"] == "Bearer pat-test"
    with Client(app_module.app, stage_name="local") as client:
        found = client.http.get("/admin/connectors", headers=ADMIN).json_body["connectors"]
    assert found["hubspot"] == {"status": "configured", "configured": True, "properties_ready": True,
                                "paused_until": None}


def test_the_sync_status_of_an_unknown_member_is_404(aws, app_module, platform):
    response = status(app_module, "m_nobody")
    assert (response.status_code, response.json_body["error"]["code"]) == (404, "not_found")


def test_a_member_who_changes_during_the_sync_stays_due(aws, sleeps):
    connect(aws, "http://127.0.0.1:9", sleeps)                 # nothing is pushed here: the tokens make it a CRM
    store = bootstrap.get_crm_sync()
    pay(1, T0)
    [read] = store.load("demo", [member_of(ADA)])
    assert read.changes == 1
    pay(2, T0 + timedelta(seconds=30))                          # arrives while the sync is pushing

    assert store.clear("demo", member_of(ADA), read.changes) is False
    assert store.sync_status("demo", member_of(ADA)).due_at == T0 + timedelta(seconds=60)
    [again] = store.load("demo", [member_of(ADA)])
    assert store.clear("demo", member_of(ADA), again.changes) is True
    assert store.sync_status("demo", member_of(ADA)).due_at is None


def test_a_program_without_a_connector_marks_nobody_and_its_sync_reads_nothing(aws, app_module):
    pay(1, T0)
    pay(2, T0, customer=BOB, email="bob@example.com")

    [ada, bob] = bootstrap.get_crm_sync().load("demo", [member_of(ADA), member_of(BOB)])
    assert (ada.changes, bob.changes) == (0, 0)
    assert bootstrap.get_crm_sync().sync_status("demo", member_of(ADA)).due_at is None
    assert sync(app_module, T0 + timedelta(minutes=2)) == {}         # no program has anything to sync


def test_a_shopify_refusal_fails_the_members_of_that_call_and_not_their_hubspot_update(aws, app_module, platform):
    pay(1, T0)
    pay(2, T0, customer=BOB, email="bob@example.com")
    platform.script("POST", GRAPHQL, Answer(200, {"data": {"metafieldsSet": {"userErrors": [
        {"field": ["metafields", "0", "value"], "message": "Value is invalid", "code": "INVALID_VALUE",
         "elementIndex": 0}]}, "metafieldsDelete": {"userErrors": []}}}))

    assert sync(app_module, T0 + timedelta(minutes=2)) == {"demo": {"done": 0, "failed": 2}}

    for customer in (ADA, BOB):
        connectors = status(app_module, member_of(customer)).json_body["connectors"]
        assert (connectors["hubspot"]["status"], connectors["shopify"]["status"]) == ("ok", "failed")
        assert connectors["shopify"]["error"] == "Shopify INVALID_VALUE"
    assert sync(app_module, T0 + timedelta(minutes=3)) == {"demo": {"done": 2, "failed": 0}}


def test_a_member_that_keeps_failing_is_given_up_after_eight_attempts_until_it_changes_again(aws, app_module,
                                                                                             platform):
    platform.default("POST", BATCH, Answer(400, {"category": "VALIDATION_ERROR", "message": "Property invalid"}))
    pay(1, T0)
    at = T0 + timedelta(minutes=1)
    waits = []
    for _ in range(8):
        sync(app_module, at)
        due = status(app_module, member_of(ADA)).json_body["due_at"]
        if due is None:
            break
        waits.append(datetime.fromisoformat(due) - at)
        at = datetime.fromisoformat(due)

    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 64)]
    hubspot = status(app_module, member_of(ADA)).json_body["connectors"]["hubspot"]
    assert (hubspot["status"], hubspot["attempts"], hubspot["error"]) == (
        "failed", 8, "HubSpot refused the request (400 VALIDATION_ERROR)")
    assert len(platform.to("POST", BATCH)) == 8

    pay(2, at + timedelta(hours=1))                              # a new change: tried again, afresh
    sync(app_module, at + timedelta(hours=1, minutes=1))
    assert len(platform.to("POST", BATCH)) == 9
    again = status(app_module, member_of(ADA)).json_body
    assert (again["connectors"]["hubspot"]["attempts"], again["due_at"]) == (
        1, (at + timedelta(hours=1, minutes=2)).isoformat())


def test_the_last_review_request_sent_is_pushed_as_a_date(aws, app_module, platform):
    from chalicelib.domain.messages import Message
    outbox = bootstrap.get_outbox()
    pay(1, T0)
    request = Message(message_id="msg_review_1", member_id=member_of(ADA), kind="review_request", due_at=T0)
    assert outbox.schedule("demo", request, T0)
    sent_at = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
    outbox.finish("demo", outbox.claim("demo", member_of(ADA), "msg_review_1", T0), sent_at, "sent")

    sync(app_module, T0 + timedelta(minutes=2))

    [[update]] = inputs(platform)
    assert update["properties"]["loyalty_last_review_request"] == "2026-11-18"


def test_an_email_without_a_hubspot_contact_is_skipped_not_retried(aws, app_module, platform):
    pay(1, T0)
    platform.script("POST", BATCH, Answer(207, {"status": "COMPLETE", "numErrors": 1, "errors": [
        {"status": "error", "category": "OBJECT_NOT_FOUND", "context": {"ids": ["ada@example.com"]}}]}))

    assert sync(app_module, T0 + timedelta(minutes=2)) == {"demo": {"done": 1, "failed": 0}}

    ada = status(app_module, member_of(ADA)).json_body
    assert ada["due_at"] is None
    assert (ada["connectors"]["hubspot"]["status"], ada["connectors"]["hubspot"]["error"]) == (
        "skipped", "no such HubSpot contact")
    assert ada["connectors"]["shopify"]["status"] == "ok"


def test_the_latest_survey_answers_reach_hubspot_and_shopify(aws, app_module, platform):
    pay(1, T0)
    answered = to_attributes({":feedback": feedback_attribute(FeedbackFacts(
        5, T0 + timedelta(days=1), 2, datetime(2026, 11, 22, 23, 30, tzinfo=timezone(timedelta(hours=-5)))))})
    aws.client("dynamodb").update_item(
        TableName=bootstrap.get_settings().table_name, Key=item_key(member_pk("demo", member_of(ADA)), PROFILE),
        UpdateExpression="SET feedback = :feedback", ExpressionAttributeValues=answered)

    sync(app_module, T0 + timedelta(days=1, minutes=2))

    feedback = {"last_nps": "5", "nps_category": "detractor", "last_csat": "2", "last_feedback_at": "2026-11-23"}
    [[update]] = inputs(platform)
    assert {k: update["properties"][f"loyalty_{k}"] for k in feedback} == feedback
    [shopify] = metafield_calls(platform)
    written = {m["key"]: (m["value"], m["type"]) for m in shopify["set"]}
    assert {k: written[k] for k in feedback} == {
        "last_nps": ("5", "number_integer"), "nps_category": ("detractor", "single_line_text_field"),
        "last_csat": ("2", "number_integer"), "last_feedback_at": ("2026-11-23", "date")}
