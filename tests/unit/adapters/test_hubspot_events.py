import json
from datetime import UTC, datetime

import pytest

from chalicelib.adapters.hubspot_events import dedupe_key, load_batch, parse_event
from chalicelib.domain.errors import InvalidPayload
from tests.factories import load_event
from tests.hubspot_factories import event, prop


def test_retries_of_a_notification_share_its_dedupe_key():
    first = prop(123, "email", "ada@example.com")
    assert dedupe_key({**first, "attemptNumber": 3}) == dedupe_key(first)
    assert dedupe_key(first).startswith("hubspot:")


@pytest.mark.parametrize("change", [
    {"portalId": 1}, {"subscriptionId": 2}, {"objectId": 999}, {"occurredAt": 1}, {"propertyValue": "b@example.com"},
    {"propertyName": "firstname"}, {"subscriptionType": "contact.creation"},
])
def test_notifications_sharing_an_event_id_but_differing_elsewhere_are_distinct(change):
    first = prop(123, "email", "ada@example.com")
    assert dedupe_key({**first, **change}) != dedupe_key(first)


def test_the_older_event_type_key_is_read_as_the_subscription_type():
    legacy = {k: v for k, v in event("contact.creation", 5).items() if k != "subscriptionType"}
    assert dedupe_key({**legacy, "eventType": "contact.creation"}) == dedupe_key(event("contact.creation", 5))
    parsed = parse_event(load_event("hubspot/mixed-batch.legacy")[1], "k")
    assert (parsed.subscription_type, parsed.portal_id, parsed.object_id) == ("contact.creation", "33", "1246978")


def test_a_notification_becomes_a_domain_event_with_its_time_in_milliseconds():
    [body] = load_event("hubspot/contact-property-change.v3")
    parsed = parse_event(body, "hubspot:abc")
    assert parsed.occurred_at == datetime(2024, 5, 8, 21, 18, 21, 896000, tzinfo=UTC)
    assert (parsed.portal_id, parsed.object_id, parsed.property_name, parsed.property_value, parsed.event_id) == (
        "891472211", "847297356", "passport_number", "REDACTED", "3029365631")


@pytest.mark.parametrize("body", [{"portalId": 1, "occurredAt": 1}, {"objectId": 1, "occurredAt": 1},
                                  {"portalId": 1, "objectId": 1}, {"portalId": 1, "objectId": 1, "occurredAt": "x"}])
def test_a_notification_without_its_ids_or_time_is_refused(body):
    with pytest.raises(InvalidPayload):
        parse_event(body, "k")


@pytest.mark.parametrize("raw", [b"", b"{}", b"[]", b"[1]", b'[{"a": 1}, 2]', b"\xff[]", b"[{",
                                 json.dumps([{"portalId": 1}] * 101).encode()])
def test_a_batch_is_an_array_of_1_to_100_objects(raw):
    with pytest.raises(InvalidPayload):
        load_batch(raw)


def test_every_event_names_its_portal_as_a_hubspot_id():
    raw = json.dumps([event("contact.creation", 1, portal=7), {"portalId": "0008"}]).encode()
    assert [e["portalId"] for e in load_batch(raw)] == [7, "0008"]
    assert len(load_batch(json.dumps([{"portalId": 1}] * 100).encode())) == 100
    for portal in [None, True, -3, 0, "x", "1" * 21, 10 ** 20, "٤٢"]:
        with pytest.raises(InvalidPayload):
            load_batch(json.dumps([{"portalId": portal}]).encode())


@pytest.mark.parametrize("raw", [
    b"[" * 10_000 + b"]" * 10_000,                                     # nested 10,000 deep: RecursionError inside json
    b'[{"portalId": ' + b"1" * 5_000 + b"}]",                          # past Python's int digit limit
    b'[{"portalId": "' + b"1" * 5_000 + b'"}]',                        # the same as a string
    b'[{"portalId": 1, "x": NaN}]', b'[{"portalId": 1, "x": Infinity}]', b'[{"portalId": 1, "x": -Infinity}]',
    b'[{"portalId": 1, "x": 1e999}]',                                  # a float that would be inf
    b'[{"portalId": 1, "x": ' + b"[" * 70 + b"]" * 70 + b"}]",          # deeper than json_input.MAX_DEPTH
])
def test_hostile_batches_are_invalid_payloads_not_crashes(raw):
    with pytest.raises(InvalidPayload):
        load_batch(raw)
