"""Deliveries that can never apply, through the app on in-process moto: accepted by the ingress, refused by the worker
(recorded with the reason, logged, counted, acknowledged: no retry into the DLQ) and listed by
GET /admin/deliveries/refused. Transient failures are still retried, and logged with their cause."""
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.services.deliveries import REFUSED_KEPT_DAYS
from chalicelib.services.ports.intake import RefusedDelivery
from tests.factories import body_of, load_event, make_order, shopify_headers
from tests.fakes import FixedClock, InMemoryRefusedDeliveries
from tests.hubspot_factories import batch, event, hubspot_headers
from tests.integration.queues import apply_queued, queued, sqs_event
from tests.integration.test_app import ADMIN, post_order
from tests.integration.test_due_failures import logged, metrics

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TEST_CONSENT = load_event("shopify/customers-email-marketing-consent-update.test-delivery.2026-04")
CONSENT_TOPIC = "customers_email_marketing_consent/update"
NO_STATE = "email_marketing_consent.state is required"


@pytest.fixture
def client(aws):
    import app
    bootstrap.override("clock", FixedClock(T0))
    with Client(app.app, stage_name="local") as client:
        yield client


def post_shopify(client, payload, topic, webhook_id):
    body = body_of(payload)
    response = client.http.post("/webhooks/shopify", body=body,
                                headers=shopify_headers(body, topic=topic, webhook_id=webhook_id))
    assert response.status_code == 200
    return response


def refused(client, query=""):
    response = client.http.get(f"/admin/deliveries/refused{query}", headers=ADMIN)
    assert response.status_code == 200, response.json_body
    return response.json_body


def test_shopifys_test_consent_delivery_is_refused_recorded_counted_and_not_retried(client, aws, caplog, capsys):
    post_shopify(client, TEST_CONSENT, CONSENT_TOPIC, "test-consent-1")
    [message] = queued(aws)
    capsys.readouterr()
    assert apply_queued(client, aws) == {"batchItemFailures": []}          # acknowledged: SQS deletes it, no DLQ

    [line] = logged(caplog, "delivery_refused")
    assert (line["topic"], line["reason"], line["source"]) == (CONSENT_TOPIC, NO_STATE, "shopify")
    [metric] = metrics(capsys)
    [alarm] = aws.client("cloudwatch").describe_alarms(AlarmNames=["loyalty-local-deliveries-refused"])["MetricAlarms"]
    [emitted] = metric["_aws"]["CloudWatchMetrics"]
    assert (emitted["Namespace"], [m["Name"] for m in emitted["Metrics"]]) == (alarm["Namespace"],
                                                                               [alarm["MetricName"]])
    assert metric[alarm["MetricName"]] == [1.0]
    assert all(metric[d["Name"]] == d["Value"] for d in alarm["Dimensions"])

    assert refused(client) == {"next": None, "refused": [{
        "source": "shopify", "topic": CONSENT_TOPIC, "webhook_id": "test-consent-1", "received_at": T0.isoformat(),
        "refused_at": T0.isoformat(), "reason": NO_STATE}]}

    # SQS delivers at least once: the same message again is the same record.
    event = sqs_event(client, [message])
    assert client.lambda_.invoke("handle_ingest", event).payload == {"batchItemFailures": []}
    assert len(refused(client)["refused"]) == 1
    assert client.http.get("/admin/members?email=ada@example.com", headers=ADMIN).json_body == {"members": []}


def test_the_record_expires_through_the_tables_ttl_and_holds_no_payload(client, aws):
    post_shopify(client, make_order(line_items=[{"id": 1, "quantity": 1, "price": "99999999999999999999999"}]),
                 "orders/paid", "huge-1")
    assert apply_queued(client, aws) == {"batchItemFailures": []}
    dynamodb = aws.client("dynamodb")
    ttl = dynamodb.describe_time_to_live(TableName="loyalty-local")["TimeToLiveDescription"]
    [item] = dynamodb.query(TableName="loyalty-local", KeyConditionExpression="PK = :pk",
                            ExpressionAttributeValues={":pk": {"S": "P#demo#REFUSED"}})["Items"]
    assert int(item[ttl["AttributeName"]]["N"]) == int((T0 + timedelta(days=REFUSED_KEPT_DAYS)).timestamp())
    assert set(item) == {"PK", "SK", "type", "source", "topic", "webhook_id", "received_at", "refused_at", "reason",
                         ttl["AttributeName"]}
    assert item["reason"]["S"] == "line_items[].price exceeds 1000000000"
    assert client.http.get("/admin/members?email=ada@example.com", headers=ADMIN).json_body == {"members": []}


def test_refusals_are_listed_newest_first_a_page_at_a_time(client, aws):
    for n, payload in enumerate([make_order(currency="usd"), make_order(processed_at="0001-01-01T00:00:00+01:00"),
                                 make_order(id="٥٩٢٨")]):
        bootstrap.override("clock", FixedClock(T0 + timedelta(minutes=n)))
        post_shopify(client, payload, "orders/paid", f"bad-{n}")
    assert apply_queued(client, aws) == {"batchItemFailures": []}
    first = refused(client, "?limit=2")
    assert [r["webhook_id"] for r in first["refused"]] == ["bad-2", "bad-1"]
    assert first["refused"][0]["reason"] == "id must be an id of 1 to 20 ASCII digits"
    rest = refused(client, f"?limit=2&cursor={first['next']}")
    assert [r["webhook_id"] for r in rest["refused"]] == ["bad-0"]


def test_an_impossible_hubspot_event_is_refused_and_listed(client, aws):
    body = batch(event("contact.deletion", 1, occurred_at=10**30))
    response = client.http.post("/webhooks/hubspot", headers=hubspot_headers(body, T0), body=body)
    assert response.status_code == 200
    assert apply_queued(client, aws) == {"batchItemFailures": []}
    [record] = refused(client)["refused"]
    assert (record["source"], record["topic"], record["reason"]) == (
        "hubspot", "contact.deletion", "occurredAt must be epoch milliseconds between 1990 and 2200")


class Unreachable:
    """The real ledger, except that reading an order fails (with an address in the message, as drivers do)."""

    def __init__(self, real):
        self.real = real

    def __getattr__(self, name):
        return getattr(self.real, name)

    def load_order(self, *args, **kwargs):
        raise TimeoutError("no answer while reading the order of ada@example.com")


def test_a_transient_failure_is_retried_and_logged_with_its_cause(client, aws, caplog):
    post_order(client, "wh-1")
    post_shopify(client, load_event("shopify/customers-create.2026-04"), "customers/create", "c-1")
    bootstrap.override("ledger", Unreachable(bootstrap.get_ledger()))
    order, customer = sorted(queued(aws), key=lambda m: json.loads(m["Body"])["topic"] != "orders/paid")
    result = client.lambda_.invoke("handle_ingest", sqs_event(client, [order, customer])).payload
    assert result == {"batchItemFailures": [{"itemIdentifier": order["MessageId"]}]}     # SQS delivers it again
    [line] = logged(caplog, "delivery_failed")
    assert (line["error_class"], line["error"]) == (
        "TimeoutError", "TimeoutError: no answer while reading the order of <email>")
    assert refused(client)["refused"] == []


@pytest.mark.parametrize(("query", "status", "code"), [("?limit=0", 400, "invalid_query"),
                                                       ("?limit=101", 400, "invalid_query"),
                                                       ("?cursor=bm90LW91cnM", 400, "invalid_cursor")])
def test_bad_queries_are_400_in_the_error_shape(client, query, status, code):
    response = client.http.get(f"/admin/deliveries/refused{query}", headers=ADMIN)
    assert (response.status_code, response.json_body["error"]["code"]) == (status, code)


def test_the_listing_needs_a_key(client):
    response = client.http.get("/admin/deliveries/refused")
    assert (response.status_code, response.json_body["error"]["code"]) == (401, "unauthorized")


def test_the_reason_never_carries_the_payload(client, aws):
    post_shopify(client, make_order(customer={"id": "not-an-id", "email": "ada@example.com"}), "orders/paid", "p-1")
    apply_queued(client, aws)
    [record] = refused(client)["refused"]
    assert "ada@example.com" not in json.dumps(record)
    assert record["reason"] == "customer.id must be an id of 1 to 20 ASCII digits"


@pytest.mark.parametrize("kind", ["in_memory", "dynamodb"])
def test_the_fake_and_the_table_keep_one_record_per_delivery_newest_first(aws, kind):
    store = InMemoryRefusedDeliveries() if kind == "in_memory" else bootstrap.get_refused_deliveries()
    older, newer = (RefusedDelivery("shopify", "orders/paid", f"wh-{n}", T0 + timedelta(minutes=n),
                                    T0 + timedelta(hours=1), "currency must be an ISO 4217 currency code")
                    for n in (1, 2))
    for record in (older, newer, older, replace_refused_at(older)):    # redelivered: refused again later
        store.record("demo", record, T0 + timedelta(days=REFUSED_KEPT_DAYS))
    store.record("other", newer, T0 + timedelta(days=REFUSED_KEPT_DAYS))
    assert store.page("demo", None, 10)[0] == [newer, replace_refused_at(older)]


def replace_refused_at(record):
    return replace(record, refused_at=T0 + timedelta(hours=2))
