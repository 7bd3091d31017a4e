"""POST /webhooks/hubspot through chalice.test.Client on in-process moto, then the worker, then the admin API."""
import json
from datetime import UTC, datetime, timedelta

import pytest
from chalice.test import Client

from chalicelib import bootstrap as composition
from chalicelib.adapters.sqs_queue import SqsIngestQueue
from chalicelib.services.ports.programs import HubSpotSettings
from tests.hubspot_factories import HUBSPOT_SECRET, PORTAL, batch, event, hubspot_headers, prop
from tests.integration.queues import apply_queued, queued
from tests.integration.test_app import ADMIN, post_order
from tests.platform_server import Answer

EMAIL = "ada@example.com"
ENROL = [event("contact.creation", 1), prop(1, "email", EMAIL), prop(1, "loyalty_grant_points", "40", event_id=3)]


@pytest.fixture
def client(aws):
    import app
    with Client(app.app, stage_name="local") as client:
        yield client


def post(client, body, **signing):
    headers = hubspot_headers(body, datetime.now(UTC), **signing)
    return client.http.post("/webhooks/hubspot", headers=headers, body=body)


def members(client, email=EMAIL):
    return client.http.get(f"/admin/members?email={email}", headers=ADMIN).json_body["members"]


def entries(client, member_id):
    return client.http.get(f"/admin/members/{member_id}/ledger", headers=ADMIN).json_body["entries"]


def test_a_signed_batch_is_answered_200_applied_by_the_worker_and_changes_nothing_when_sent_again(client, aws):
    response = post(client, batch(*ENROL))
    assert (response.status_code, response.json_body) == (200, {"status": "accepted"})
    assert len(queued(aws)) == 3
    assert apply_queued(client, aws) == {"batchItemFailures": []}
    [member] = members(client)
    assert (member["points_balance"], member["identities"]) == (40, [f"hubspot:{PORTAL}:1"])
    [grant] = entries(client, member["member_id"])
    assert (grant["kind"], grant["points"], grant["reason"]) == ("bonus", 40, "HubSpot workflow")

    assert post(client, batch(*ENROL)).status_code == 200        # HubSpot sends the batch again
    assert apply_queued(client, aws) == {"batchItemFailures": []}
    assert members(client) == [member]
    assert len(entries(client, member["member_id"])) == 1


@pytest.mark.parametrize("order", [("contact.deletion", "contact.privacyDeletion"),
                                   ("contact.privacyDeletion", "contact.deletion")])
def test_deletion_and_privacy_deletion_erase_the_member_in_either_order(client, aws, order):
    post(client, batch(*ENROL))
    apply_queued(client, aws)
    [member] = members(client)
    for i, kind in enumerate(order * 2):
        post(client, batch(event(kind, 1, event_id=10 + i)))
        assert apply_queued(client, aws) == {"batchItemFailures": []}
    erased = client.http.get(f"/admin/members/{member['member_id']}", headers=ADMIN).json_body
    assert (erased["email"], erased["first_name"], erased["identities"]) == (None, None, [])
    assert (erased["points_balance"], erased["erased_at"] is not None) == (40, True)
    assert members(client) == []


@pytest.mark.parametrize("signing", [
    {"secret": b"not-the-secret"},
    {"skew": timedelta(minutes=-10)},
    {"skew": timedelta(minutes=10)},
    {"uri": "http://127.0.0.1:8000/api/webhooks/hubspot"},
])
def test_a_bad_signature_is_401_in_the_contract_shape_and_queues_nothing(client, aws, signing):
    if "skew" in signing:                      # stamped when the test runs, not when tests are collected
        signing = {"timestamp": int((datetime.now(UTC) + signing["skew"]).timestamp() * 1000)}
    response = post(client, batch(*ENROL), **signing)
    assert response.status_code == 401
    assert set(response.json_body["error"]) == {"code", "message"}
    assert response.json_body["error"]["code"] == "invalid_signature"
    assert queued(aws) == []


@pytest.mark.parametrize("body", [b'{"portalId": 62515}', b"[]", b"[{", json.dumps([{}] * 101).encode()])
def test_a_signed_body_that_is_not_a_batch_is_400_and_queues_nothing(client, aws, body):
    response = post(client, body)
    assert (response.status_code, response.json_body["error"]["code"]) == (400, "invalid_json")
    assert queued(aws) == []


def test_a_batch_of_an_unknown_portal_is_acknowledged_and_queues_nothing(client, aws):
    assert post(client, batch(event("contact.creation", 1, portal=4242))).status_code == 200
    assert queued(aws) == []


def test_the_directory_reads_the_portal_and_the_hubspot_settings_the_stack_seeds(aws):
    directory = composition.get_directory()
    assert (directory.program_for_portal(str(PORTAL)), directory.program_for_portal("4242")) == ("demo", None)
    assert directory.program_for_portal("../shops") is None
    assert directory.hubspot_settings("demo") == HubSpotSettings(
        client_secrets=(HUBSPOT_SECRET,), public_url="http://127.0.0.1:8000")


def _connect_hubspot(aws, api_base):
    """Give the program an access token and point it at the stand-in HubSpot (before the app reads them)."""
    sm, ssm = aws.client("secretsmanager"), aws.client("ssm")
    secret = json.loads(sm.get_secret_value(SecretId="loyalty/local/programs/demo")["SecretString"])
    sm.put_secret_value(SecretId="loyalty/local/programs/demo",
                        SecretString=json.dumps({**secret, "hubspot_access_token": "pat-test"}))
    name = "/loyalty/local/programs/demo/config"
    config = json.loads(ssm.get_parameter(Name=name)["Parameter"]["Value"])
    ssm.put_parameter(Name=name, Value=json.dumps({**config, "hubspot_api_base": api_base}), Overwrite=True)


def test_a_hubspot_contact_attaches_to_the_shopify_customer_and_a_won_deal_earns_once(client, aws, platform_server):
    _connect_hubspot(aws, platform_server.url)
    platform_server.default("GET", "/crm/v3/objects/contacts/1", Answer(200, {
        "id": "1", "properties": {"email": "Ada@Example.com", "firstname": "Ada"}}))
    platform_server.default("GET", "/crm/v3/objects/deals/77", Answer(200, {
        "id": "77", "properties": {"amount": "250.00", "deal_currency_code": "USD", "dealstage": "closedwon"},
        "associations": {"contacts": {"results": [{"id": "1", "type": "deal_to_contact"}]}}}))
    post_order(client, "wh-1")                                    # a Shopify customer with the same email
    apply_queued(client, aws)
    won = prop(77, "dealstage", "closedwon", event_id=5, kind="deal.propertyChange")
    post(client, batch(event("contact.creation", 1), won))
    assert apply_queued(client, aws) == {"batchItemFailures": []}
    post(client, batch(won))
    assert apply_queued(client, aws) == {"batchItemFailures": []}
    [member] = members(client)
    assert member["points_balance"] == 150 + 250
    assert f"hubspot:{PORTAL}:1" in member["identities"]
    deal = [e for e in entries(client, member["member_id"]) if e["source"].get("platform") == "hubspot"]
    assert [(e["kind"], e["points"], e["base_amount"]) for e in deal] == [
        ("earn", 250, {"amount": "250.00", "currency": "USD"})]
    assert platform_server.to("GET", "/crm/v3/objects/contacts/1")[0].headers["authorization"] == "Bearer pat-test"


def test_put_many_sends_batches_of_ten(aws):
    queue = SqsIngestQueue("loyalty-local-ingest", aws.client("sqs"))
    queue.put_many([{"source": "hubspot", "topic": "contact.creation", "n": i} for i in range(23)])
    sqs = aws.client("sqs")
    seen = []
    for _ in range(5):
        got = sqs.receive_message(QueueUrl=queue.url, MaxNumberOfMessages=10, VisibilityTimeout=60)
        seen += [json.loads(m["Body"])["n"] for m in got.get("Messages", [])]
    assert sorted(seen) == list(range(23))


class _FlakySqs:
    def __init__(self, failures):
        self.failures, self.sent = list(failures), []

    def get_queue_url(self, QueueName):  # noqa: N803
        return {"QueueUrl": "https://q"}

    def send_message_batch(self, QueueUrl, Entries):  # noqa: N803
        failed = self.failures.pop(0) if self.failures else []
        self.sent.append([e["Id"] for e in Entries])
        return {"Successful": [], "Failed": [{"Id": i, "SenderFault": False, "Code": "x"} for i in failed]}


def test_put_many_sends_failed_entries_once_more_then_fails_loudly():
    flaky = _FlakySqs([["1"], []])
    SqsIngestQueue("q", flaky).put_many([{"source": "hubspot", "topic": "t"}] * 3)
    assert flaky.sent == [["0", "1", "2"], ["1"]]
    broken = _FlakySqs([["0"], ["0"]])
    with pytest.raises(RuntimeError):
        SqsIngestQueue("q", broken).put_many([{"source": "hubspot", "topic": "t"}])
