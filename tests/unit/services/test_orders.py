import json

import pytest

from chalicelib.adapters.platform_formats import PlatformFormats
from chalicelib.domain.errors import ConcurrentChange
from chalicelib.domain.ledger import EntryKind
from chalicelib.services.deliveries import apply_delivery
from tests.factories import SHOP, load_event, make_order
from tests.fakes import FixedClock, InMemoryDataRequests, InMemoryLedger, RecordingShops, StaticRules

FORMATS = PlatformFormats()

ORDER_ID = "5928371928374650123"


def envelope(topic, payload, webhook_id="wh"):
    return {"v": 1, "source": "shopify", "program_id": "demo", "shop": SHOP, "topic": topic,
            "webhook_id": webhook_id, "event_id": None, "triggered_at": None, "api_version": "2026-04",
            "received_at": "2026-11-23T12:00:00+00:00", "body": json.dumps(payload)}


def deliver(ledger, topic, payload, webhook_id="wh"):
    return apply_delivery(envelope(topic, payload, webhook_id), FORMATS, ledger, ledger, StaticRules(),
                          InMemoryDataRequests(), RecordingShops(), ledger, FixedClock())


def member(ledger):
    [found] = ledger.find_by_email("demo", "ada@example.com")
    return found


def kinds(ledger):
    page = ledger.ledger("demo", member(ledger).member_id, None, 100)
    return sorted((e.kind.value, e.points) for e in page.entries)


REFUND = load_event("shopify/refunds-create.2026-04")    # one sweater: 54.00 of the 150.74 base


def test_the_same_payment_through_three_topics_awards_once():
    ledger = InMemoryLedger()
    assert deliver(ledger, "orders/create", make_order()).points == 150
    assert deliver(ledger, "orders/paid", make_order(), "wh-2").status == "unchanged"
    assert deliver(ledger, "orders/updated", make_order(financial_status="partially_refunded")).status == "unchanged"
    assert member(ledger).points_balance == 150


def test_an_unpaid_order_earns_nothing_until_it_is_paid():
    ledger = InMemoryLedger()
    assert deliver(ledger, "orders/create", make_order(financial_status="pending")).status == "unchanged"
    assert ledger.find_by_email("demo", "ada@example.com") == []
    deliver(ledger, "orders/updated", make_order(financial_status="paid"))
    assert member(ledger).points_balance == 150


def test_a_refund_reverses_in_proportion_once_whichever_topic_carries_it():
    ledger = InMemoryLedger()
    deliver(ledger, "orders/paid", make_order())
    deliver(ledger, "refunds/create", REFUND)
    deliver(ledger, "refunds/create", REFUND, "wh-again")
    deliver(ledger, "orders/updated", make_order(financial_status="partially_refunded", refunds=[REFUND]))
    assert kinds(ledger) == [("earn", 150), ("reverse", -53)]      # floor(150 * 54.00 / 150.74)
    assert member(ledger).points_balance == 97


def test_a_refund_that_arrives_before_the_payment_gives_the_same_result():
    ledger = InMemoryLedger()
    assert deliver(ledger, "refunds/create", REFUND).status == "recorded"     # remembered, nothing to post yet
    deliver(ledger, "orders/paid", make_order())
    assert kinds(ledger) == [("earn", 150), ("reverse", -53)]
    assert member(ledger).points_balance == 97


def test_cancellation_takes_back_what_remains():
    ledger = InMemoryLedger()
    deliver(ledger, "orders/paid", make_order())
    deliver(ledger, "refunds/create", REFUND)
    deliver(ledger, "orders/cancelled", make_order(cancelled_at="2026-11-22T10:00:00-05:00"))
    assert member(ledger).points_balance == 0
    assert kinds(ledger) == [("earn", 150), ("reverse", -97), ("reverse", -53)]


def test_test_orders_and_guest_orders_earn_nothing_and_their_refunds_do_no_harm():
    ledger = InMemoryLedger()
    assert deliver(ledger, "orders/paid", make_order(test=True)).reason == "test_order"
    assert deliver(ledger, "orders/paid", make_order(customer=None)).status == "unchanged"
    deliver(ledger, "refunds/create", REFUND)
    assert ledger.members == {}


def test_a_concurrent_writer_is_retried_from_a_fresh_read():
    class Flaky(InMemoryLedger):
        failures = 2

        def commit_order(self, *args, **kwargs):
            if self.failures:
                self.failures -= 1
                raise ConcurrentChange("moved")
            return super().commit_order(*args, **kwargs)

    ledger = Flaky()
    deliver(ledger, "orders/paid", make_order())
    assert member(ledger).points_balance == 150
    [entry] = ledger.ledger("demo", member(ledger).member_id, None, 10).entries
    assert entry.kind is EntryKind.EARN


def test_an_order_that_keeps_changing_fails_the_delivery_so_it_is_retried_later():
    class Stuck(InMemoryLedger):
        def commit_order(self, *args, **kwargs):
            raise ConcurrentChange("moved")

    with pytest.raises(ConcurrentChange):
        deliver(Stuck(), "orders/paid", make_order())


FULFILLED = load_event("shopify/fulfillments-create.2026-04")


def test_fulfillment_and_delivery_are_recorded_on_the_order_in_time_order():
    ledger = InMemoryLedger()
    deliver(ledger, "fulfillments/create", FULFILLED)                 # before the order itself: kept
    deliver(ledger, "orders/paid", make_order())
    delivered = {**FULFILLED, "shipment_status": "delivered", "updated_at": "2026-11-24T15:00:00-05:00"}
    deliver(ledger, "fulfillments/update", delivered)
    stale = {**FULFILLED, "shipment_status": "in_transit", "updated_at": "2026-11-22T15:00:00-05:00"}
    assert deliver(ledger, "fulfillments/update", stale).status == "unchanged"
    account = ledger.orders[("demo", SHOP, ORDER_ID)]
    [fulfillment] = account.fulfillments.values()
    assert (fulfillment.status, fulfillment.shipment_status) == ("success", "delivered")
    assert fulfillment.delivered_at.isoformat() == "2026-11-24T15:00:00-05:00"
    assert fulfillment.line_ids == ("14029384756102938475", "14029384756102938478")
    assert member(ledger).points_balance == 150                        # fulfilments move no points


def test_an_update_in_the_same_second_wins_when_the_shipment_moved_forward():
    ledger = InMemoryLedger()
    deliver(ledger, "orders/paid", make_order())
    deliver(ledger, "fulfillments/create", FULFILLED)
    same_second = {**FULFILLED, "shipment_status": "delivered"}         # label printed and delivered in one sync
    assert deliver(ledger, "fulfillments/update", same_second).status == "recorded"
    backwards = {**FULFILLED, "shipment_status": "in_transit"}            # same second, but an earlier state
    assert deliver(ledger, "fulfillments/update", backwards).status == "unchanged"
    [fulfillment] = ledger.orders[("demo", SHOP, ORDER_ID)].fulfillments.values()
    assert fulfillment.shipment_status == "delivered"
    assert fulfillment.delivered_at.isoformat() == FULFILLED["updated_at"]


def test_products_with_an_excluded_tag_earn_nothing_and_the_rule_version_says_so():
    from chalicelib.domain.program import ProgramRules
    from chalicelib.domain.rules import EarningRule
    rules = ProgramRules(version="no-wool-1", earning=EarningRule("no-wool-1",
                                                                 excluded_product_tags=frozenset({"no-points"})))
    ledger = InMemoryLedger()

    def send(topic, payload, webhook_id="wh"):
        return apply_delivery(envelope(topic, payload, webhook_id), FORMATS, ledger, ledger, StaticRules(rules),
                              InMemoryDataRequests(), RecordingShops(), ledger, FixedClock())

    sweater = {"id": 8123456789012345678, "title": "Merino Crew Sweater", "tags": "Wool, No-Points",
               "updated_at": "2026-11-01T00:00:00-05:00"}
    assert send("products/update", sweater).status == "recorded"
    assert send("products/update", {**sweater, "tags": "", "updated_at": "2026-10-01T00:00:00Z"}).status == "unchanged"
    assert send("orders/paid", make_order()).points == 42          # 150.74 less the sweaters' 108.00
    [entry] = ledger.ledger("demo", member(ledger).member_id, None, 5).entries
    assert (str(entry.base.amount), entry.rule_version) == ("42.74", "no-wool-1")
