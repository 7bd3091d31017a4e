"""The business figures, through the app on in-process moto: each behaviour counts what an operator watches, and
every invocation publishes once (the EMF document itself, through the real adapter, in the last test)."""
import functools
import json
from datetime import UTC, datetime, timedelta

import pytest
from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.services.ports.metrics import (
    DELIVERIES_APPLIED,
    MESSAGES_SENT,
    MESSAGES_SKIPPED,
    POINTS_AWARDED,
    POINTS_CLAWED_BACK,
    POINTS_REDEEMED,
    REDEMPTIONS,
    WEBHOOKS_ACCEPTED,
    WEBHOOKS_REFUSED,
)
from tests.factories import body_of, load_event, make_order, shopify_headers
from tests.fakes import FakeMetrics, FixedClock
from tests.hubspot_factories import batch, event, hubspot_headers
from tests.integration import queues
from tests.integration.test_app import ADMIN

NOON = datetime(2026, 11, 23, 12, tzinfo=UTC)

# Each delivery applies every message still visible on the ingest queue: the earlier ones again, as SQS may.
deliver = functools.partial(queues.deliver, keep=True)


@pytest.fixture
def client(aws):
    import app
    bootstrap.override("clock", FixedClock(NOON))
    with Client(app.app, stage_name="local") as client:
        yield client


@pytest.fixture
def metrics(aws):
    fake = FakeMetrics()
    bootstrap.override("metrics", fake)
    return fake


def run_job(client, name, at):
    scheduled = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                                resources=[])
    scheduled["time"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return client.lambda_.invoke(name, scheduled).payload


def test_an_accepted_webhook_and_a_refused_one_are_counted_the_refusal_with_its_code(client, metrics):
    body = body_of(make_order())
    assert client.http.post("/webhooks/shopify", headers=shopify_headers(body), body=body).status_code == 200
    forged = client.http.post("/webhooks/shopify", headers=shopify_headers(body, secret=b"not-the-secret"), body=body)
    unparsable = client.http.post("/webhooks/shopify", headers=shopify_headers(b'{"id": '), body=b'{"id": ')
    hubspot = batch(event("contact.creation", 1), event("contact.creation", 2, event_id=2))
    response = client.http.post("/webhooks/hubspot", headers=hubspot_headers(hubspot, NOON), body=hubspot)
    assert response.status_code == 200

    assert (forged.status_code, unparsable.status_code) == (401, 400)
    assert metrics.total(WEBHOOKS_ACCEPTED, source="shopify") == 1
    assert metrics.total(WEBHOOKS_ACCEPTED, source="hubspot") == 2                # one per queued event
    assert metrics.total(WEBHOOKS_REFUSED, source="shopify", reason="invalid_signature") == 1
    assert metrics.total(WEBHOOKS_REFUSED, source="shopify", reason=unparsable.json_body["error"]["code"]) == 1
    assert len(metrics.published) == 4                                  # one flush per request
    assert metrics.counted == {}


def test_an_order_awards_points_and_its_refund_claws_some_back(client, aws, metrics):
    deliver(client, aws, "orders/paid", make_order(), "o1")
    deliver(client, aws, "orders/paid", make_order(), "o1-again")                  # the same fact: nothing moves
    deliver(client, aws, "refunds/create", load_event("shopify/refunds-create.2026-04"), "r1")

    assert metrics.total(POINTS_AWARDED, source="shopify") == 150
    assert metrics.total(POINTS_CLAWED_BACK, source="shopify") == 53                # 54.00 of 150.74 refunded
    assert metrics.total(DELIVERIES_APPLIED, topic="orders/paid", status="recorded") == 1
    assert metrics.total(DELIVERIES_APPLIED, topic="orders/paid", status="unchanged") >= 1
    assert metrics.total(DELIVERIES_APPLIED, source="shopify", topic="refunds/create", status="recorded") == 1


def test_messages_sent_and_skipped_are_counted_by_kind_and_reason(client, aws, metrics):
    deliver(client, aws, "customers/create", load_event("shopify/customers-create.2026-04"), "c1")
    deliver(client, aws, "orders/paid", make_order(), "o1")
    assert run_job(client, "dispatch_messages", NOON + timedelta(minutes=5)) == {"demo": {"done": 2, "failed": 0}}
    assert metrics.total(MESSAGES_SENT, kind="welcome") == metrics.total(MESSAGES_SENT, kind="points_earned") == 1

    deliver(client, aws, "orders/paid", make_order(id=5928371928374650124), "o2")
    deliver(client, aws, "customers/redact", load_event("shopify/customers-redact.2026-04"), "r1")
    run_job(client, "dispatch_messages", NOON + timedelta(minutes=10))
    assert metrics.total(MESSAGES_SKIPPED, reason="no_email_address") == 1


def test_a_redemption_is_counted_once_with_the_points_it_cost(client, aws, metrics):
    deliver(client, aws, "orders/paid", make_order(), "o1")
    [member] = client.http.get("/admin/members?email=ada@example.com", headers=ADMIN).json_body["members"]
    reward = client.http.post("/admin/rewards", headers=ADMIN, body=json.dumps(
        {"name": "$5 off", "kind": "fixed_amount", "value": "5.00", "points_cost": 100})).json_body["reward_id"]
    for status in (201, 200):                                           # a retry with the same key is the same one
        response = client.http.post(f"/admin/members/{member['member_id']}/redemptions", headers=ADMIN,
                                    body=json.dumps({"reward_id": reward, "idempotency_key": "r-1"}))
        assert response.status_code == status

    assert (metrics.total(REDEMPTIONS), metrics.total(POINTS_REDEEMED)) == (1, 100)


def test_the_app_prints_one_emf_document_per_invocation_with_the_alarms_dimensions(client, capsys):
    capsys.readouterr()
    body = body_of(make_order())
    client.http.post("/webhooks/shopify", headers=shopify_headers(body), body=body)
    client.http.get("/health")

    [document] = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    [directive] = document["_aws"]["CloudWatchMetrics"]
    assert (directive["Namespace"], directive["Metrics"]) == ("Loyalty", [{"Name": WEBHOOKS_ACCEPTED, "Unit": "Count"}])
    assert set(directive["Dimensions"][0]) == {"stage", "service", "source"}
    assert (document["stage"], document["service"], document["source"], document[WEBHOOKS_ACCEPTED]) == (
        "local", "loyalty", "shopify", [1.0])


def test_logs_and_metrics_carry_ids_never_a_persons_data_or_the_payload(client, aws, capsys, caplog):
    capsys.readouterr()
    deliver(client, aws, "customers/create", load_event("shopify/customers-create.2026-04"), "c1")
    deliver(client, aws, "orders/paid", make_order(), "o1")
    deliver(client, aws, "refunds/create", load_event("shopify/refunds-create.2026-04"), "r1")
    run_job(client, "dispatch_messages", NOON + timedelta(minutes=5))
    forged = body_of(make_order(id=5928371928374650199))
    client.http.post("/webhooks/shopify", headers=shopify_headers(forged, secret=b"not-the-secret"), body=forged)

    emf = capsys.readouterr().out
    logs = json.dumps([vars(record) for record in caplog.records], default=str)
    assert "WebhooksRefused" in emf
    assert '"member_id": "m_' in logs                                   # the records' fields are all here
    for personal in ("ada@example.com", "example.com", "Ada", "Lovelace", "Merino", "sweater returned", "#1042"):
        assert personal not in emf, personal
        assert personal not in logs, personal
