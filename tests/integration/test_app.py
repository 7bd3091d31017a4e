"""The app through chalice.test.Client on in-process moto: webhook intake, the worker, the admin API."""
import json

import pytest
from chalice.test import Client

from tests.factories import body_of, make_order, shopify_headers
from tests.integration.queues import apply_queued, queued, sqs_event

ADMIN = {"Authorization": "Bearer local-admin-key"}


@pytest.fixture
def client(aws):
    import app
    with Client(app.app, stage_name="local") as client:
        yield client


def post_order(client, webhook_id="wh-1", **changes):
    body = body_of(make_order(**changes))
    return client.http.post("/webhooks/shopify", headers=shopify_headers(body, webhook_id=webhook_id), body=body)


def test_a_signed_order_is_answered_200_and_queued_not_applied(client, aws):
    response = post_order(client)
    assert response.status_code == 200
    assert len(queued(aws)) == 1
    assert client.http.get("/admin/members?email=ada@example.com", headers=ADMIN).json_body == {"members": []}


def test_a_bad_signature_is_401_in_the_contract_shape_and_queues_nothing(client, aws):
    body = body_of(make_order())
    headers = shopify_headers(body, secret=b"not-the-secret")
    response = client.http.post("/webhooks/shopify", headers=headers, body=body)
    assert response.status_code == 401
    assert response.json_body["error"]["code"] == "invalid_signature"
    assert set(response.json_body["error"]) == {"code", "message"}
    assert queued(aws) == []


def test_a_wrong_content_type_still_gets_a_signature_check_not_a_framework_error(client, aws):
    headers = {**shopify_headers(b"{}", secret=b"not-the-secret"), "Content-Type": "application/x-www-form-urlencoded"}
    response = client.http.post("/webhooks/shopify", headers=headers, body=b"{}")
    assert (response.status_code, response.json_body["error"]["code"]) == (401, "invalid_signature")


def test_a_signed_but_unparsable_body_is_400_and_queues_nothing(client, aws):
    body = b'{"id": '
    response = client.http.post("/webhooks/shopify", headers=shopify_headers(body), body=body)
    assert response.status_code == 400
    assert response.json_body["error"]["code"] == "invalid_json"
    assert queued(aws) == []


def test_the_worker_awards_points_once_however_often_the_order_arrives(client, aws):
    post_order(client, "wh-1")
    assert apply_queued(client, aws) == {"batchItemFailures": []}
    post_order(client, "wh-1")        # Shopify retry
    post_order(client, "wh-2")        # same order, another delivery
    assert apply_queued(client, aws) == {"batchItemFailures": []}
    [member] = client.http.get("/admin/members?email=ada@example.com", headers=ADMIN).json_body["members"]
    assert member["points_balance"] == 150
    ledger = client.http.get(f"/admin/members/{member['member_id']}/ledger", headers=ADMIN).json_body
    [entry] = ledger["entries"]
    assert (entry["kind"], entry["points"], entry["source"]["order_id"]) == ("earn", 150, "5928371928374650123")
    assert entry["base_amount"] == {"amount": "150.74", "currency": "USD"}
    assert ledger["next"] is None


def test_the_worker_reports_only_the_failing_message(client, aws):
    post_order(client, "wh-1")
    good = queued(aws)[0]
    # A queued message the ingress never writes (no body) fails and is retried; a payload that can never apply is
    # refused and acknowledged instead (tests/integration/test_refused_deliveries.py).
    envelope = {k: v for k, v in json.loads(good["Body"]).items() if k != "body"}
    broken = dict(good, MessageId="broken-1", Body=json.dumps(envelope))
    result = client.lambda_.invoke("handle_ingest", sqs_event(client, [good, broken])).payload
    assert result == {"batchItemFailures": [{"itemIdentifier": "broken-1"}]}
    [member] = client.http.get("/admin/members?email=ada@example.com", headers=ADMIN).json_body["members"]
    assert member["points_balance"] == 150


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}])
def test_the_admin_api_refuses_callers_without_a_valid_key(client, headers):
    response = client.http.get("/admin/members?email=ada@example.com", headers=headers)
    assert response.status_code == 401
    assert response.json_body["error"]["code"] == "unauthorized"


def test_admin_lookups_answer_400_and_404_in_the_contract_shape(client):
    missing = client.http.get("/admin/members", headers=ADMIN)
    assert (missing.status_code, missing.json_body["error"]["code"]) == (400, "invalid_query")
    unknown = client.http.get("/admin/members/m_nobody", headers=ADMIN)
    assert (unknown.status_code, unknown.json_body["error"]["code"]) == (404, "not_found")
    ledger = client.http.get("/admin/members/m_nobody/ledger", headers=ADMIN)
    assert ledger.status_code == 404


def test_health_answers_ok(client):
    response = client.http.get("/health")
    assert (response.status_code, response.json_body) == (200, {"status": "ok"})


def test_customer_topics_enrol_with_a_bonus_and_redaction_erases_the_person(client, aws):
    from tests.factories import load_event
    for topic, name, webhook_id in [("customers/create", "customers-create", "c1"),
                                    ("customers_email_marketing_consent/update",
                                     "customers-email-marketing-consent-update", "c2")]:
        body = body_of(load_event(f"shopify/{name}.2026-04"))
        client.http.post("/webhooks/shopify", headers=shopify_headers(body, topic=topic, webhook_id=webhook_id),
                         body=body)
    assert apply_queued(client, aws) == {"batchItemFailures": []}
    [member] = client.http.get("/admin/members?email=ada@example.com", headers=ADMIN).json_body["members"]
    assert (member["points_balance"], member["email_consent"]) == (100, "subscribed")
    body = body_of(load_event("shopify/customers-redact.2026-04"))
    client.http.post("/webhooks/shopify", headers=shopify_headers(body, topic="customers/redact", webhook_id="c3"),
                     body=body)
    apply_queued(client, aws)
    erased = client.http.get(f"/admin/members/{member['member_id']}", headers=ADMIN).json_body
    assert (erased["email"], erased["first_name"], erased["points_balance"]) == (None, None, 100)
    assert erased["erased_at"] is not None


def test_a_data_request_gives_the_merchant_the_members_data(client, aws):
    from tests.factories import load_event
    post_order(client, "o1")
    request = {**load_event("shopify/customers-redact.2026-04"), "data_request": {"id": 9999},
               "orders_requested": [5928371928374650123]}
    body = body_of(request)
    client.http.post("/webhooks/shopify", body=body,
                     headers=shopify_headers(body, topic="customers/data_request", webhook_id="dr1"))
    assert apply_queued(client, aws) == {"batchItemFailures": []}
    [listed] = client.http.get("/admin/data-requests", headers=ADMIN).json_body["data_requests"]
    assert listed["request_id"] == "9999"
    export = client.http.get("/admin/data-requests/9999", headers=ADMIN).json_body
    assert export["member"]["email"] == "ada@example.com"
    assert [e["kind"] for e in export["entries"]] == ["earn"]
    assert [(o["order_id"], o["points_earned"]) for o in export["orders"]] == [("5928371928374650123", 150)]
    assert client.http.get("/admin/data-requests/1", headers=ADMIN).status_code == 404


def adjust(client, member_id, body):
    return client.http.post(f"/admin/members/{member_id}/adjustments", body=json.dumps(body).encode(),
                            headers={**ADMIN, "Content-Type": "application/json"})


def test_adjustments_are_idempotent_audited_and_never_overdraw(client, aws):
    post_order(client, "wh-1")
    apply_queued(client, aws)
    [member] = client.http.get("/admin/members?email=ada@example.com", headers=ADMIN).json_body["members"]
    mid = member["member_id"]
    body = {"points": 50, "reason": "Parcel arrived damaged", "idempotency_key": "ticket-4411"}
    first = adjust(client, mid, body)
    assert first.status_code == 201
    assert (first.json_body["kind"], first.json_body["points"], first.json_body["reason"]) == (
        "adjust", 50, "Parcel arrived damaged")
    again = adjust(client, mid, body)
    assert (again.status_code, again.json_body["entry_id"]) == (200, first.json_body["entry_id"])
    other = adjust(client, mid, {**body, "points": 60})
    assert (other.status_code, other.json_body["error"]["code"]) == (409, "idempotency_conflict")
    overdraw = adjust(client, mid, {"points": -1000, "reason": "x", "idempotency_key": "k2"})
    assert (overdraw.status_code, overdraw.json_body["error"]["code"]) == (409, "insufficient_points")
    assert client.http.get(f"/admin/members/{mid}", headers=ADMIN).json_body["points_balance"] == 200
    audit = client.http.get("/admin/audit", headers=ADMIN).json_body["records"]
    assert [(a["key_id"], a["action"], a["target"], a["before"], a["after"]["points_balance"], a["reason"])
            for a in audit] == [("local-admin", "adjustment.create", f"member:{mid}", {"points_balance": 150}, 200,
                                 "Parcel arrived damaged")]


@pytest.mark.parametrize("body", [
    {"points": 0, "reason": "x", "idempotency_key": "k"}, {"points": 1.5, "reason": "x", "idempotency_key": "k"},
    {"points": "5", "reason": "x", "idempotency_key": "k"}, {"points": True, "reason": "x", "idempotency_key": "k"},
    {"points": 5, "reason": "", "idempotency_key": "k"}, {"points": 5, "reason": "x"},
    {"points": 5, "reason": "x", "idempotency_key": "k", "balance": 10}, {"points": 10**9, "reason": "x",
                                                                          "idempotency_key": "k"},
])
def test_bad_adjustments_are_400_and_change_nothing(client, aws, body):
    post_order(client, "wh-1")
    apply_queued(client, aws)
    [member] = client.http.get("/admin/members?email=ada@example.com", headers=ADMIN).json_body["members"]
    response = adjust(client, member["member_id"], body)
    assert (response.status_code, response.json_body["error"]["code"]) == (400, "invalid_adjustment")
    assert client.http.get(f"/admin/members/{member['member_id']}", headers=ADMIN).json_body["points_balance"] == 150


def test_an_adjustment_for_an_unknown_member_is_404(client):
    response = adjust(client, "m_nobody", {"points": 5, "reason": "x", "idempotency_key": "k"})
    assert (response.status_code, response.json_body["error"]["code"]) == (404, "not_found")
