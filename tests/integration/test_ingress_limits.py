"""The webhook intake on in-process moto with every resource of infra/template.yaml: bodies too large for an SQS
message travel through the payload bucket (claim check) and earn their points; bodies over the limit are a 413;
SSM throttling is a 503 with Retry-After that leaves nothing cached; hostile bodies are 4xx in the error shape."""
from __future__ import annotations

import copy
import json
from decimal import Decimal
from types import SimpleNamespace

import pytest
from chalice.test import Client

from chalicelib import bootstrap as composition
from chalicelib.adapters.sqs_queue import INLINE_BYTES, PayloadMissing, SqsIngestQueue, open_envelope, payload_key
from chalicelib.domain import tokens
from chalicelib.services.intake import MAX_BODY_BYTES
from tests.factories import body_of, make_order, shopify_headers
from tests.hubspot_factories import batch, event, hubspot_headers, prop
from tests.integration.queues import apply_queued, queued

ADMIN = {"Authorization": "Bearer local-admin-key"}
BUCKET = "loyalty-local-payloads-123456789012-eu-west-1"     # the template's name, on moto's account and region


@pytest.fixture
def client(aws):
    import app
    with Client(app.app, stage_name="local") as client:
        yield client


def big_order(lines: int) -> dict:
    """An order of `lines` engraving lines (9.99 less 1.00 each): about 1 KB of JSON a line."""
    order = make_order()
    template = next(line for line in order["line_items"] if line["title"] == "Engraving")
    order["line_items"] = [{**copy.deepcopy(template), "id": 10**15 + i, "admin_graphql_api_id": f"gid://x/{i}"}
                           for i in range(lines)]
    return order


def members(client, email="ada@example.com"):
    return client.http.get(f"/admin/members?email={email}", headers=ADMIN).json_body["members"]


def test_a_signed_order_too_large_for_a_message_is_kept_in_s3_and_earns_its_points(client, aws):
    body = body_of(big_order(600))
    assert len(body) > 2 * INLINE_BYTES
    response = client.http.post("/webhooks/shopify", headers=shopify_headers(body, webhook_id="wh-big"), body=body)
    assert response.status_code == 200, response.body

    [message] = queued(aws)
    envelope = json.loads(message["Body"])
    assert "body" not in envelope
    assert envelope["body_ref"] == payload_key("demo", "wh-big")
    assert len(message["Body"]) < 2048
    stored = aws.client("s3").get_object(Bucket=BUCKET, Key=envelope["body_ref"])["Body"].read()
    assert stored == body

    assert apply_queued(client, aws) == {"batchItemFailures": []}
    [member] = members(client)
    assert member["points_balance"] == int(Decimal("8.99") * 600)


def test_a_small_body_stays_in_the_message(client, aws):
    body = body_of(make_order())
    assert client.http.post("/webhooks/shopify", headers=shopify_headers(body), body=body).status_code == 200
    [message] = queued(aws)
    assert json.loads(message["Body"])["body"] == body.decode()
    assert aws.client("s3").list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0


def test_a_body_over_the_limit_is_413_in_the_error_shape_and_queues_nothing(client, aws):
    body = b'{"note": "' + b"x" * MAX_BODY_BYTES + b'"}'
    response = client.http.post("/webhooks/shopify", headers=shopify_headers(body), body=body)
    assert response.status_code == 413
    assert response.json_body == {"error": {"code": "payload_too_large", "message": response.json_body["error"][
        "message"]}}
    response = client.http.post("/webhooks/hubspot", headers=hubspot_headers(body, _now()), body=body)
    assert response.status_code == 413
    assert queued(aws) == []


def test_hubspot_events_too_large_together_are_queued_in_several_batches_and_alone_by_reference(aws):
    composition.reset()
    queue = composition.get_ingest_queue()
    envelopes = [{"v": 1, "source": "hubspot", "program_id": "demo", "topic": "contact.propertyChange",
                  "webhook_id": f"hubspot:{i}", "body": json.dumps(prop(i, "notes", "n" * 60_000))} for i in range(9)]
    big = json.dumps(prop(99, "notes", "n" * 300_000))
    envelopes.append({**envelopes[0], "webhook_id": "hubspot:big", "body": big})
    queue.put_many(envelopes)          # 10 entries, ~840 KB together: SQS takes at most 256 KiB a batch
    received = []
    while batch_ := queued(aws):
        received += batch_
        sqs = aws.client("sqs")
        url = sqs.get_queue_url(QueueName="loyalty-local-ingest")["QueueUrl"]
        for m in batch_:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    opened = {e["webhook_id"]: e for e in (open_envelope(m["Body"], composition.get_payload_store) for m in received)}
    assert sorted(opened) == sorted(e["webhook_id"] for e in envelopes)
    assert all(opened[e["webhook_id"]]["body"] == e["body"] for e in envelopes)


def test_a_stored_body_that_is_not_the_one_queued_is_not_applied(aws):
    composition.reset()
    queue = composition.get_ingest_queue()
    body = json.dumps({"note": "x" * (INLINE_BYTES + 1)})
    raw = queue._message_body({"v": 1, "source": "shopify", "program_id": "demo", "topic": "orders/paid",
                               "webhook_id": "wh-1", "body": body})
    aws.client("s3").put_object(Bucket=BUCKET, Key=payload_key("demo", "wh-1"), Body=b"{}")
    with pytest.raises(PayloadMissing):
        open_envelope(raw, composition.get_payload_store)


def test_without_a_payload_store_a_large_body_is_a_fault_not_a_silent_loss(aws):
    queue = SqsIngestQueue("loyalty-local-ingest", aws.client("sqs"))
    with pytest.raises(RuntimeError):
        queue.put({"v": 1, "source": "shopify", "program_id": "demo", "topic": "orders/paid", "webhook_id": "w",
                   "body": "x" * (INLINE_BYTES + 1)})


def throttle_ssm() -> list[str]:
    """Make every SSM call of the app's client fail with ThrottlingException until the returned list is cleared."""
    throttling = ["on"]

    def refuse(**_):
        if throttling:
            return SimpleNamespace(status_code=400, headers={}), {
                "Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"},
                "ResponseMetadata": {"HTTPStatusCode": 400}}
        return None

    composition.client("ssm").meta.events.register("before-call.ssm", refuse)
    return throttling


def test_ssm_throttling_is_a_503_with_retry_after_and_the_shop_is_known_once_it_passes(client, aws):
    composition.reset()
    throttling = throttle_ssm()
    body = body_of(make_order())
    response = client.http.post("/webhooks/shopify", headers=shopify_headers(body), body=body)
    assert response.status_code == 503
    assert response.json_body["error"]["code"] == "service_unavailable"
    assert int(response.headers["Retry-After"]) > 0
    assert queued(aws) == []

    throttling.clear()
    response = client.http.post("/webhooks/shopify", headers=shopify_headers(body), body=body)
    assert response.status_code == 200, response.body       # not remembered as "no program for this shop"


def test_ssm_throttling_during_a_hubspot_batch_is_a_503_and_the_portal_is_known_once_it_passes(client, aws):
    composition.reset()
    throttling = throttle_ssm()
    body = batch(event("contact.creation", 1))
    assert client.http.post("/webhooks/hubspot", headers=hubspot_headers(body, _now()), body=body).status_code == 503
    throttling.clear()
    response = client.http.post("/webhooks/hubspot", headers=hubspot_headers(body, _now()), body=body)
    assert response.status_code == 200
    assert len(queued(aws)) == 1


HOSTILE_BATCHES = [
    b"[" * 10_000 + b"]" * 10_000, b'[{"portalId": "' + b"1" * 5_000 + b'"}]', b'[{"portalId": 62515, "x": NaN}]',
    b'[{"portalId": 62515, "x": Infinity}]', b'{"portalId": 62515}', b"[1]",
]


def test_hostile_hubspot_bodies_are_4xx_in_the_error_shape(client, aws):
    for body in HOSTILE_BATCHES:
        for signed, status in ((True, 400), (False, 401)):
            headers = hubspot_headers(body, _now(), **({} if signed else {"secret": b"forged"}))
            response = client.http.post("/webhooks/hubspot", headers=headers, body=body)
            assert response.status_code == status, (body[:40], response.body)
            assert set(response.json_body["error"]) == {"code", "message"}
    assert queued(aws) == []


def test_hostile_signed_shopify_bodies_are_400_in_the_error_shape(client, aws):
    for body in (b"[" * 10_000 + b"]" * 10_000, b'{"a":' * 10_000 + b"1" + b"}" * 10_000, b'{"id": NaN}'):
        response = client.http.post("/webhooks/shopify", headers=shopify_headers(body), body=body)
        assert response.status_code == 400, response.body
        assert response.json_body["error"]["code"] == "invalid_json"
    assert queued(aws) == []


def calls_to(service_client) -> list[str]:
    """The API calls `service_client` makes from now on (botocore's before-call hook)."""
    made: list[str] = []
    service_client.meta.events.register("before-call", lambda model, **_: made.append(model.name))
    return made


def test_an_unsubscribe_link_of_a_program_without_a_secret_costs_one_secret_lookup_per_cache_age(client, aws):
    """A program listed in SSM whose secret is gone (being set up, or removed): every request used to ask Secrets
    Manager again, and fail with a 500; now the miss is remembered for the cache age and the link is refused."""
    aws.client("ssm").put_parameter(Name="/loyalty/local/programs/ghost/config", Value="{}", Type="String")
    secret_calls = calls_to(composition.client("secretsmanager"))
    link = tokens.sign(b"anything", "ghost", "m_1", "review", composition.get_clock().now())
    for _ in range(20):
        response = client.http.get(f"/unsubscribe/{link}", headers={"Accept": "application/json"})
        assert response.status_code == 400, response.body
        assert response.json_body["error"]["code"] == "invalid_signature"
    assert secret_calls == ["GetSecretValue"]


def test_an_unsubscribe_link_naming_an_unknown_program_asks_no_secret(client, aws):
    secret_calls = calls_to(composition.client("secretsmanager"))
    for i in range(20):
        link = tokens.sign(b"anything", f"nobody-{i}", "m_1", "review", composition.get_clock().now())
        response = client.http.get(f"/unsubscribe/{link}", headers={"Accept": "application/json"})
        assert (response.status_code, response.json_body["error"]["code"]) == (400, "unknown_program")
    assert secret_calls == []


def _now():
    return composition.get_clock().now()
