import pytest

from chalicelib.adapters.platform_formats import PlatformFormats
from chalicelib.adapters.webhook_signatures import shopify_signature
from chalicelib.domain.errors import InvalidRequest, InvalidSignature
from chalicelib.services.intake import accept_shopify
from tests.factories import SECRET, SHOP, body_of, make_order, shopify_headers
from tests.fakes import FakeDirectory, FakeQueue, FixedClock


@pytest.fixture
def queue():
    return FakeQueue()


@pytest.fixture
def directory():
    return FakeDirectory(shops={SHOP: "demo"}, secrets_by_program={"demo": [SECRET, b"previous"]})


def accept(headers, body, directory, queue):
    return accept_shopify(headers, body, directory, queue, FixedClock(), PlatformFormats())


def test_a_signed_delivery_is_queued_with_its_raw_body_and_headers(directory, queue):
    body = body_of(make_order())
    accepted = accept(shopify_headers(body, webhook_id="wh-42"), body, directory, queue)
    assert accepted.program_id == "demo"
    [message] = queue.messages
    assert message["body"] == body.decode()          # the exact bytes Shopify signed, ids untouched
    assert (message["topic"], message["webhook_id"], message["shop"]) == ("orders/paid", "wh-42", SHOP)
    assert message["event_id"] == "ev-wh-42"


def test_header_names_are_case_insensitive_and_the_events_form_is_accepted(directory, queue):
    body = b"{}"
    headers = {k.replace("X-Shopify-", "shopify-").lower(): v for k, v in shopify_headers(body).items()}
    accept(headers, body, directory, queue)
    assert len(queue.messages) == 1


def test_previous_secret_still_verifies_during_rotation(directory, queue):
    body = b"{}"
    accept(shopify_headers(body, secret=b"previous"), body, directory, queue)
    assert len(queue.messages) == 1


@pytest.mark.parametrize("mutate", [
    lambda h: h.update({"X-Shopify-Hmac-Sha256": shopify_signature(b"wrong", b"{}")}),
    lambda h: h.pop("X-Shopify-Hmac-Sha256"),
    lambda h: h.update({"X-Shopify-Shop-Domain": "other-shop.myshopify.com"}),
])
def test_bad_signatures_raise_and_queue_nothing(directory, queue, mutate):
    headers = shopify_headers(b"{}")
    mutate(headers)
    with pytest.raises(InvalidSignature):
        accept(headers, b"{}", directory, queue)
    assert queue.messages == []


@pytest.mark.parametrize(("missing", "body"), [
    ("X-Shopify-Topic", b"{}"), ("X-Shopify-Webhook-Id", b"{}"), ("X-Shopify-API-Version", b"{}"),
    ("X-Shopify-Shop-Domain", b"{}"), (None, b"{not json"), (None, b"[]"), (None, b"\xff\xfe{}"),
])
def test_missing_headers_or_unparsable_bodies_are_bad_requests_and_queue_nothing(directory, queue, missing, body):
    headers = shopify_headers(body)
    if missing:
        headers.pop(missing)
    with pytest.raises(InvalidRequest):
        accept(headers, body, directory, queue)
    assert queue.messages == []
