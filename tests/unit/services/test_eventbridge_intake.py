"""A Shopify webhook delivered by Amazon EventBridge becomes the same delivery as the HTTPS one: the metadata's
headers (in either spelling captures show), the payload as the body, the program from the shop."""
import json

import pytest

from chalicelib.domain.errors import InvalidPayload
from chalicelib.services import intake
from tests.factories import SHOP, make_order
from tests.fakes import FakeDirectory

DIRECTORY = FakeDirectory(shops={SHOP: "demo"})


def event(metadata, payload=None):
    return {"version": "0", "id": "8c2b…", "detail-type": "shopifyWebhook",
            "source": "aws.partner/shopify.com/123456/loyalty", "account": "111122223333",
            "time": "2026-11-23T12:00:05Z", "region": "eu-west-1", "resources": [],
            "detail": {"metadata": metadata, "payload": payload if payload is not None else make_order()}}


HEADERS = {"X-Shopify-Topic": "orders/paid", "X-Shopify-Shop-Domain": SHOP, "X-Shopify-Webhook-Id": "wh-eb-1",
           "X-Shopify-Event-Id": "ev-1", "X-Shopify-Triggered-At": "2026-11-23T12:00:04Z",
           "X-Shopify-API-Version": "2025-10", "X-Shopify-Hmac-SHA256": "ignored"}


def test_the_event_becomes_the_delivery_an_https_webhook_makes():
    found = intake.from_eventbridge(event(HEADERS), DIRECTORY)
    assert {k: v for k, v in found.items() if k != "body"} == {
        "v": 1, "source": "shopify", "program_id": "demo", "shop": SHOP, "topic": "orders/paid",
        "webhook_id": "wh-eb-1", "event_id": "ev-1", "triggered_at": "2026-11-23T12:00:04Z",
        "api_version": "2025-10", "received_at": "2026-11-23T12:00:05Z"}
    assert json.loads(found["body"]) == make_order()


def test_metadata_keys_without_case_or_prefix_name_the_same_headers():
    bare = {"topic": "orders/paid", "shop_domain": SHOP.upper(), "webhook_id": "wh-eb-2", "api_version": "2025-10"}
    found = intake.from_eventbridge(event(bare), DIRECTORY)
    assert (found["topic"], found["shop"], found["webhook_id"], found["event_id"]) == (
        "orders/paid", SHOP, "wh-eb-2", None)


def test_only_eventbridge_webhook_events_are_read_as_such():
    assert intake.is_eventbridge(event(HEADERS))
    assert not intake.is_eventbridge({"v": 1, "source": "shopify", "topic": "orders/paid", "body": "{}"})
    assert not intake.is_eventbridge({"detail-type": "Email Bounced", "detail": {}})


@pytest.mark.parametrize("metadata", [
    {**HEADERS, "X-Shopify-Shop-Domain": "another-shop.myshopify.com"},      # a shop no program receives
    {k: v for k, v in HEADERS.items() if k != "X-Shopify-Topic"},            # no topic
    {k: v for k, v in HEADERS.items() if k != "X-Shopify-Webhook-Id"},       # no webhook id
])
def test_an_event_that_cannot_make_a_delivery_is_refused(metadata):
    with pytest.raises(InvalidPayload):
        intake.from_eventbridge(event(metadata), DIRECTORY)


def test_an_event_without_a_payload_object_is_refused():
    broken = event(HEADERS)
    broken["detail"]["payload"] = "not an object"
    with pytest.raises(InvalidPayload):
        intake.from_eventbridge(broken, DIRECTORY)
