import json
from datetime import timedelta

import pytest

from chalicelib.adapters.hubspot_events import dedupe_key
from chalicelib.adapters.platform_formats import PlatformFormats
from chalicelib.adapters.webhook_signatures import hubspot_legacy_signature
from chalicelib.domain.errors import InvalidRequest, InvalidSignature
from chalicelib.services.intake import accept_hubspot
from chalicelib.services.ports.programs import HubSpotSettings
from tests.fakes import FakeQueue, FixedClock, HubSpotDirectory
from tests.hubspot_factories import HUBSPOT_SECRET, PORTAL, PUBLIC_URL, URI, batch, event, hubspot_headers, prop

CLOCK = FixedClock()
NOW = CLOCK.now()


def settings(**changes):
    return HubSpotSettings(**{"client_secrets": (HUBSPOT_SECRET, b"previous"), "public_url": PUBLIC_URL, **changes})


@pytest.fixture
def queue():
    return FakeQueue()


@pytest.fixture
def directory():
    return HubSpotDirectory(portals={str(PORTAL): "demo", "999": "other"},
                            hubspot={"demo": settings(), "other": settings(client_secrets=(b"other-secret",))})


def accept(body, directory, queue, headers=None, method="POST"):
    return accept_hubspot(headers if headers is not None else hubspot_headers(body, NOW), body, method, directory,
                          queue, CLOCK, PlatformFormats())


def test_each_event_of_a_signed_batch_is_queued_as_its_own_delivery(directory, queue):
    events = [event("contact.creation", 1), prop(1, "email", "ada@example.com"), event("contact.deletion", 2)]
    accepted = accept(batch(*events), directory, queue)
    assert (accepted.queued, accepted.ignored, accepted.program_ids) == (3, 0, ("demo",))
    assert [m["topic"] for m in queue.messages] == ["contact.creation", "contact.propertyChange", "contact.deletion"]
    first = queue.messages[0]
    assert (first["source"], first["program_id"], first["portal_id"]) == ("hubspot", "demo", str(PORTAL))
    assert first["webhook_id"] == dedupe_key(events[0])
    assert json.loads(first["body"]) == events[0]
    assert len({m["webhook_id"] for m in queue.messages}) == 3


def test_header_names_are_case_insensitive(directory, queue):
    body = batch(event("contact.creation", 1))
    headers = {k.lower(): v for k, v in hubspot_headers(body, NOW).items()}
    accept(body, directory, queue, headers)
    assert len(queue.messages) == 1


def test_the_previous_client_secret_still_verifies(directory, queue):
    body = batch(event("contact.creation", 1))
    accept(body, directory, queue, hubspot_headers(body, NOW, secret=b"previous"))
    assert len(queue.messages) == 1


def test_events_of_unknown_portals_are_acknowledged_and_ignored(directory, queue):
    body = batch(event("contact.creation", 1), event("contact.creation", 2, portal=4242))
    accepted = accept(body, directory, queue)
    assert (accepted.queued, accepted.ignored) == (1, 1)
    assert [m["portal_id"] for m in queue.messages] == [str(PORTAL)]


def test_a_batch_naming_no_known_portal_is_verified_against_every_program_and_queues_nothing(directory, queue):
    body = batch(event("contact.creation", 1, portal=4242))
    accepted = accept(body, directory, queue, hubspot_headers(body, NOW, secret=b"other-secret"))
    assert (accepted.queued, accepted.ignored, accepted.program_ids) == (0, 1, ("other",))
    assert queue.messages == []
    with pytest.raises(InvalidSignature):
        accept(body, directory, queue, hubspot_headers(body, NOW, secret=b"nobody's"))


def test_events_of_a_program_whose_secret_did_not_sign_the_batch_are_not_queued(directory, queue):
    body = batch(event("contact.creation", 1), event("contact.creation", 2, portal=999))
    accepted = accept(body, directory, queue)          # signed with demo's secret only
    assert (accepted.queued, accepted.ignored) == (1, 1)
    assert {m["program_id"] for m in queue.messages} == {"demo"}


def test_the_uri_is_the_configured_public_url_with_its_path_prefix(queue):
    directory = HubSpotDirectory(portals={str(PORTAL): "demo"}, hubspot={
        "demo": settings(public_url="https://api.example.com/loyalty/")})
    body = batch(event("contact.creation", 1))
    accept(body, directory, queue, hubspot_headers(body, NOW, uri="https://api.example.com/loyalty/webhooks/hubspot"))
    assert len(queue.messages) == 1
    with pytest.raises(InvalidSignature):
        accept(body, directory, queue, hubspot_headers(body, NOW, uri="https://api.example.com/webhooks/hubspot"))


def test_v1_is_accepted_only_where_the_program_enables_it(queue):
    body = batch(event("contact.creation", 1))
    v1 = {"X-HubSpot-Signature": hubspot_legacy_signature(HUBSPOT_SECRET, "v1", "POST", URI, body),
          "X-HubSpot-Signature-Version": "v1"}
    strict = HubSpotDirectory(portals={str(PORTAL): "demo"}, hubspot={"demo": settings()})
    with pytest.raises(InvalidSignature):
        accept(body, strict, queue, v1)
    lenient = HubSpotDirectory(portals={str(PORTAL): "demo"},
                               hubspot={"demo": settings(signature_versions=frozenset({"v1", "v3"}))})
    accept(body, lenient, queue, v1)
    assert len(queue.messages) == 1


BODY = batch(event("contact.creation", 1))


@pytest.mark.parametrize(("headers", "method"), [
    (hubspot_headers(BODY, NOW, secret=b"wrong"), "POST"),
    (hubspot_headers(BODY + b" ", NOW), "POST"),                               # forged body
    (hubspot_headers(BODY, NOW - timedelta(minutes=6)), "POST"),               # stale
    (hubspot_headers(BODY, NOW + timedelta(minutes=6)), "POST"),               # future-dated
    (hubspot_headers(BODY, NOW, uri=URI + "?x=1"), "POST"),                    # another URI
    (hubspot_headers(BODY, NOW, uri=URI.replace("/webhooks", "%2Fwebhooks")), "PUT"),   # wrong method
    ({}, "POST"),                                                              # no headers
    ({"X-HubSpot-Request-Timestamp": str(int(NOW.timestamp() * 1000))}, "POST"),
])
def test_signature_failures_raise_and_queue_nothing(directory, queue, headers, method):
    with pytest.raises(InvalidSignature):
        accept(BODY, directory, queue, headers, method)
    assert queue.messages == []


def test_a_uri_differing_only_in_decoded_characters_verifies(directory, queue):
    accept(BODY, directory, queue, hubspot_headers(BODY, NOW, uri=URI.replace("://", "%3A%2F%2F")))
    assert len(queue.messages) == 1


@pytest.mark.parametrize("body", [b"{not json", b"{}", b"[]", b"[1, 2]", b"\xff\xfe[]",
                                  json.dumps([event("contact.creation", i) for i in range(101)]).encode()])
def test_signed_bodies_that_are_not_a_batch_of_1_to_100_events_are_bad_requests(directory, queue, body):
    with pytest.raises(InvalidRequest):
        accept(body, directory, queue)
    assert queue.messages == []


def test_an_unsigned_bad_body_is_a_signature_failure_not_a_bad_request(directory, queue):
    with pytest.raises(InvalidSignature):
        accept(b"{not json", directory, queue, {})
