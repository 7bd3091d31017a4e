"""Bad input never costs us: what a forged, hostile or oversized webhook request may make the intake do.

The directories here record every per-tenant lookup (a shop, a portal): a request whose signature does not hold
must make none, whatever it names; a body over the size limit is refused before the directory is asked anything.
"""
from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.adapters.platform_formats import PlatformFormats
from chalicelib.domain.errors import InvalidRequest, InvalidSignature, PayloadTooLarge, TemporarilyUnavailable
from chalicelib.services.intake import MAX_BODY_BYTES, accept_hubspot, accept_shopify
from chalicelib.services.ports.programs import HubSpotSettings
from tests.factories import SECRET, SHOP, body_of, make_order, shopify_headers
from tests.fakes import FakeQueue, FixedClock, HubSpotDirectory
from tests.hubspot_factories import HUBSPOT_SECRET, PORTAL, PUBLIC_URL, batch, event, hubspot_headers

CLOCK = FixedClock()
FORMATS = PlatformFormats()
NOW = CLOCK.now()


class CountingDirectory(HubSpotDirectory):
    """Records every lookup of something a request names (shop, portal) beside the portal lookups."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.shop_lookups: list[str] = []

    def program_for_shop(self, shop_domain: str) -> str | None:
        self.shop_lookups.append(shop_domain)
        return super().program_for_shop(shop_domain)


class RefusingDirectory:
    """Any use fails the test: for requests that must be refused before the directory is asked anything."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the directory was asked {name}")


class ThrottledDirectory(CountingDirectory):
    """SSM throttles: listing the programs fails (as ParameterProgramDirectory raises it)."""

    def programs(self) -> list[str]:
        raise TemporarilyUnavailable("SSM Parameter Store did not answer; try again shortly")


@pytest.fixture
def queue():
    return FakeQueue()


@pytest.fixture
def directory():
    hubspot = {"demo": HubSpotSettings(client_secrets=(HUBSPOT_SECRET,), public_url=PUBLIC_URL),
               "other": HubSpotSettings(client_secrets=(b"other-secret",), public_url=PUBLIC_URL)}
    return CountingDirectory(portals={str(PORTAL): "demo", "999": "other"}, hubspot=hubspot,
                             shops={SHOP: "demo", "other-shop.myshopify.com": "other"},
                             secrets_by_program={"demo": [SECRET], "other": [b"other-shopify-secret"]})


def forged_batch(portals: int = 100) -> bytes:
    return batch(*(event("contact.creation", i, portal=10_000_000 + i) for i in range(portals)))


def test_a_forged_batch_naming_100_unknown_portals_makes_no_portal_lookup(directory, queue):
    body = forged_batch()
    with pytest.raises(InvalidSignature):
        accept_hubspot(hubspot_headers(body, NOW, secret=b"forged"), body, "POST", directory, queue, CLOCK, FORMATS)
    assert directory.portal_lookups == []
    assert queue.messages == []


def test_an_unsigned_batch_is_refused_before_the_directory_is_asked_anything(queue):
    body = forged_batch()
    for headers in ({}, {"X-HubSpot-Request-Timestamp": str(int(NOW.timestamp() * 1000))}):
        with pytest.raises(InvalidSignature):
            accept_hubspot(headers, body, "POST", RefusingDirectory(), queue, CLOCK, FORMATS)


def test_a_genuine_batch_looks_up_each_distinct_portal_once_after_verifying(directory, queue):
    body = batch(event("contact.creation", 1), event("contact.creation", 2), event("contact.creation", 3, portal=4242))
    accepted = accept_hubspot(hubspot_headers(body, NOW), body, "POST", directory, queue, CLOCK, FORMATS)
    assert (accepted.queued, accepted.ignored) == (2, 1)
    assert sorted(directory.portal_lookups) == ["4242", str(PORTAL)]


def test_a_forged_shopify_request_makes_no_shop_lookup(directory, queue):
    body = body_of(make_order())
    for shop in ("unknown-0.myshopify.com", "unknown-1.myshopify.com", SHOP):
        headers = shopify_headers(body, secret=b"forged", shop=shop)
        with pytest.raises(InvalidSignature):
            accept_shopify(headers, body, directory, queue, CLOCK, FORMATS)
    assert directory.shop_lookups == []
    assert queue.messages == []


def test_a_shop_signed_with_another_programs_secret_is_refused(directory, queue):
    body = body_of(make_order())
    headers = shopify_headers(body, secret=b"other-shopify-secret", shop=SHOP)     # SHOP belongs to demo
    with pytest.raises(InvalidSignature):
        accept_shopify(headers, body, directory, queue, CLOCK, FORMATS)
    accept_shopify(shopify_headers(body, secret=b"other-shopify-secret", shop="other-shop.myshopify.com"), body,
                   directory, queue, CLOCK, FORMATS)
    assert [m["program_id"] for m in queue.messages] == ["other"]


def test_a_body_over_the_limit_is_refused_before_anything_is_asked(queue):
    body = b"[" + b" " * MAX_BODY_BYTES + b"]"
    with pytest.raises(PayloadTooLarge):
        accept_shopify(shopify_headers(body), body, RefusingDirectory(), queue, CLOCK, FORMATS)
    with pytest.raises(PayloadTooLarge):
        accept_hubspot(hubspot_headers(body, NOW), body, "POST", RefusingDirectory(), queue, CLOCK, FORMATS)


def test_a_throttled_directory_is_unavailable_not_a_refusal(queue):
    directory = ThrottledDirectory(portals={str(PORTAL): "demo"}, shops={SHOP: "demo"},
                                   secrets_by_program={"demo": [SECRET]})
    body = batch(event("contact.creation", 1))
    with pytest.raises(TemporarilyUnavailable):
        accept_hubspot(hubspot_headers(body, NOW), body, "POST", directory, queue, CLOCK, FORMATS)
    order = body_of(make_order())
    with pytest.raises(TemporarilyUnavailable):
        accept_shopify(shopify_headers(order), order, directory, queue, CLOCK, FORMATS)
    assert queue.messages == []


HOSTILE_BATCHES = [
    b"[" * 10_000 + b"]" * 10_000,
    b'[{"portalId": "' + b"1" * 5_000 + b'", "objectId": 1}]',
    b'[{"portalId": ' + b"1" * 5_000 + b', "objectId": 1}]',
    b'[{"portalId": 62515, "objectId": NaN}]',
    b'[{"portalId": 62515, "objectId": Infinity}]',
    b'{"portalId": 62515}', b'"text"', b"[1, 2]", b"[[]]", b"null",
]


@pytest.mark.parametrize("body", HOSTILE_BATCHES)
def test_hostile_signed_batches_are_bad_requests(directory, queue, body):
    with pytest.raises(InvalidRequest):
        accept_hubspot(hubspot_headers(body, NOW), body, "POST", directory, queue, CLOCK, FORMATS)
    assert queue.messages == []


@pytest.mark.parametrize("body", HOSTILE_BATCHES)
def test_hostile_unsigned_batches_are_signature_failures_without_lookups(directory, queue, body):
    with pytest.raises(InvalidSignature):
        accept_hubspot(hubspot_headers(body, NOW, secret=b"forged"), body, "POST", directory, queue, CLOCK, FORMATS)
    assert directory.portal_lookups == []


@pytest.mark.parametrize("body", [b"[" * 10_000 + b"]" * 10_000, b'{"a": ' * 10_000 + b"1" + b"}" * 10_000,
                                  b'{"id": NaN}', b'{"id": ' + b"1" * 5_000 + b"}", json.dumps([{}]).encode()])
def test_hostile_signed_shopify_bodies_are_bad_requests(directory, queue, body):
    with pytest.raises(InvalidRequest):
        accept_shopify(shopify_headers(body), body, directory, queue, CLOCK, FORMATS)
    assert queue.messages == []
