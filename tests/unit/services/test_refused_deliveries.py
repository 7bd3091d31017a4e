"""A queued delivery that can never apply is refused: recorded with its reason, answered (no exception, so SQS deletes
it instead of retrying it into the DLQ), and never applied as money. Transient errors still raise."""
import copy
import json
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.adapters.hubspot_events import hubspot_envelope
from chalicelib.adapters.platform_formats import PlatformFormats
from chalicelib.domain.errors import ConcurrentChange, InvalidPayload
from chalicelib.services.deliveries import REFUSED_KEPT_DAYS, apply_delivery
from chalicelib.services.hubspot_members import HubSpotContext
from chalicelib.services.ports.intake import RefusedDelivery
from chalicelib.services.ports.programs import HubSpotSettings
from tests.factories import load_event, make_order
from tests.fakes import (
    FixedClock,
    InMemoryDataRequests,
    InMemoryIdentities,
    InMemoryLedger,
    InMemoryRefusedDeliveries,
    RecordingShops,
    StaticRules,
)
from tests.hubspot_factories import event
from tests.unit.services.test_orders import REFUND, envelope, kinds, member

FORMATS = PlatformFormats()

CLOCK = FixedClock(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
RECEIVED = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)          # the envelope's received_at (tests/.../test_orders.py)
TEST_CONSENT = load_event("shopify/customers-email-marketing-consent-update.test-delivery.2026-04")


def deliver(ledger, refused, topic, payload, webhook_id="wh"):
    return apply_delivery(envelope(topic, payload, webhook_id), FORMATS, ledger, ledger, StaticRules(),
                          InMemoryDataRequests(), RecordingShops(), ledger, CLOCK, refused=refused)


def line(price="20.00", quantity=1, discount="0.00"):
    return {"id": 14029384756102938475, "product_id": 8123456789012345678, "quantity": quantity, "price": price,
            "gift_card": False, "discount_allocations": [{"amount": discount}], "tax_lines": []}


@pytest.mark.parametrize(("item", "reason"), [
    (line(price="99999999999999999999999"), "line_items[].price exceeds 1000000000"),
    (line(discount="-100.00"), "line_items[].discount_allocations[].amount must not be negative"),
    (line(price="1e30"), "line_items[].price must be a decimal amount"),
    (line(quantity=10**30), "line_items[].quantity must be an integer from 1 to 1000000"),
])
def test_an_order_with_an_impossible_line_is_refused_recorded_and_earns_nothing(item, reason):
    ledger, refused = InMemoryLedger(), InMemoryRefusedDeliveries()
    outcome = deliver(ledger, refused, "orders/paid", make_order(line_items=[item]), "wh-bad")
    assert (outcome.status, outcome.reason, outcome.points) == ("refused", reason, 0)
    assert ledger.find_by_email("demo", "ada@example.com") == []               # no member, no points
    assert refused.page("demo", None, 10) == ([RefusedDelivery(
        source="shopify", topic="orders/paid", webhook_id="wh-bad", received_at=RECEIVED, refused_at=CLOCK.now(),
        reason=reason)], None)
    [(_, keep_until)] = refused.kept.values()
    assert keep_until == CLOCK.now() + timedelta(days=REFUSED_KEPT_DAYS)


def test_a_refund_with_a_negative_subtotal_is_refused_and_a_later_real_refund_still_reverses():
    ledger, refused = InMemoryLedger(), InMemoryRefusedDeliveries()
    deliver(ledger, refused, "orders/paid", make_order())
    negative = copy.deepcopy(REFUND)
    negative["id"] = 890088186047892999
    negative["refund_line_items"][0]["subtotal_set"]["shop_money"]["amount"] = "-54.00"
    assert deliver(ledger, refused, "refunds/create", negative, "wh-neg").status == "refused"
    deliver(ledger, refused, "refunds/create", REFUND, "wh-real")
    assert kinds(ledger) == [("earn", 150), ("reverse", -53)]
    assert member(ledger).points_balance == 97
    assert [r.webhook_id for r in refused.page("demo", None, 10)[0]] == ["wh-neg"]


def test_shopifys_test_delivery_of_a_consent_update_is_refused_with_its_reason():
    ledger, refused = InMemoryLedger(), InMemoryRefusedDeliveries()
    outcome = deliver(ledger, refused, "customers_email_marketing_consent/update", TEST_CONSENT, "wh-test")
    assert (outcome.status, outcome.reason) == ("refused", "email_marketing_consent.state is required")
    [record] = refused.page("demo", None, 10)[0]
    assert (record.topic, record.webhook_id, record.reason) == (
        "customers_email_marketing_consent/update", "wh-test", "email_marketing_consent.state is required")
    assert ledger.members == {}


def test_the_same_delivery_refused_twice_is_one_record():
    ledger, refused = InMemoryLedger(), InMemoryRefusedDeliveries()
    for _ in range(2):                       # SQS delivers at least once
        deliver(ledger, refused, "customers_email_marketing_consent/update", TEST_CONSENT, "wh-test")
    assert len(refused.page("demo", None, 10)[0]) == 1


def test_a_refused_record_holds_no_payload_and_no_personal_data():
    ledger, refused = InMemoryLedger(), InMemoryRefusedDeliveries()
    order = make_order(line_items=[line(price="-1.00")])
    deliver(ledger, refused, "orders/paid", order)
    [record] = refused.page("demo", None, 10)[0]
    text = json.dumps([str(v) for v in vars(record).values()])
    for personal_or_payload in ("ada@example.com", "Ada", order["name"], "-1.00"):
        assert personal_or_payload not in text


def test_without_a_store_for_refusals_the_error_still_raises():
    with pytest.raises(InvalidPayload):
        deliver(InMemoryLedger(), None, "customers_email_marketing_consent/update", TEST_CONSENT)


def test_an_envelope_naming_no_program_is_left_to_the_queue():
    """Our own ingress always names the program: without one there is nowhere to file the refusal."""
    queued = hubspot_envelope(event("contact.deletion", 1, occurred_at=10**30), "demo", RECEIVED.isoformat())
    del queued["program_id"]
    ledger, refused = InMemoryLedger(), InMemoryRefusedDeliveries()
    with pytest.raises(InvalidPayload):
        apply_delivery(queued, FORMATS, ledger, ledger, StaticRules(), InMemoryDataRequests(), RecordingShops(), ledger,
                       CLOCK, refused=refused)
    assert refused.kept == {}


class Unreachable(InMemoryLedger):
    def load_order(self, *args, **kwargs):
        raise ConcurrentChange("the table did not answer in time")


def test_a_transient_error_still_raises_so_that_the_queue_tries_again():
    refused = InMemoryRefusedDeliveries()
    with pytest.raises(ConcurrentChange):
        deliver(Unreachable(), refused, "orders/paid", make_order())
    assert refused.kept == {}


def test_an_impossible_hubspot_event_is_refused_too():
    ledger, refused = InMemoryLedger(), InMemoryRefusedDeliveries()
    settings = HubSpotSettings(client_secrets=(b"s",), public_url="http://x")
    context = HubSpotContext(settings, InMemoryIdentities(ledger), None)
    queued = hubspot_envelope(event("contact.deletion", 1, occurred_at=10**30), "demo", RECEIVED.isoformat())
    outcome = apply_delivery(queued, FORMATS, ledger, ledger, StaticRules(), InMemoryDataRequests(), RecordingShops(),
                             ledger, CLOCK, hubspot=lambda program_id: context, refused=refused)
    assert (outcome.status, outcome.reason) == (
        "refused", "occurredAt must be epoch milliseconds between 1990 and 2200")
    [record] = refused.page("demo", None, 10)[0]
    assert (record.source, record.topic, record.webhook_id) == ("hubspot", "contact.deletion", queued["webhook_id"])
