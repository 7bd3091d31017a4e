from chalicelib.adapters.shopify_events import load_json, parse_order
from chalicelib.domain.ledger import EntryKind
from chalicelib.domain.orders import Delivery, OrderPaid
from chalicelib.domain.rules import DEFAULT_RULE
from chalicelib.services.earning import award_order
from tests.factories import SHOP, body_of, make_order
from tests.fakes import FixedClock, InMemoryLedger


def paid(webhook_id="wh-1", **changes):
    order = parse_order(SHOP, load_json(body_of(make_order(**changes))))
    return OrderPaid(order=order, delivery=Delivery("shopify", "orders/paid", webhook_id, f"ev-{webhook_id}"))


def award(event, ledger):
    return award_order(event, "demo", DEFAULT_RULE, ledger, FixedClock())


def test_an_order_award_creates_the_member_and_one_earn_entry_that_says_why():
    ledger = InMemoryLedger()
    outcome = award(paid(), ledger)
    assert (outcome.status, outcome.points) == ("recorded", 150)
    [member] = ledger.find_by_email("demo", "ADA@example.com ")
    assert (member.points_balance, member.lifetime_points, member.pending_points) == (150, 150, 0)
    [entry] = ledger.entries[member.member_id]
    assert entry.kind is EntryKind.EARN
    assert entry.source["order_id"] == "5928371928374650123"
    assert entry.base is not None
    assert str(entry.base.amount) == "150.74"
    assert entry.rule_version == "default-1"


def test_the_same_order_through_another_webhook_is_a_duplicate_not_a_second_award():
    ledger = InMemoryLedger()
    award(paid("wh-1"), ledger)
    outcome = award(paid("wh-2"), ledger)
    assert outcome.status == "duplicate"
    [member] = ledger.members.values()
    assert member.points_balance == 150
    assert len(ledger.entries[member.member_id]) == 1


def test_test_orders_and_guest_orders_earn_nothing():
    ledger = InMemoryLedger()
    assert award(paid(test=True), ledger).reason == "test_order"
    assert award(paid(customer=None), ledger).reason == "no_customer"
    assert ledger.members == {}


def test_two_orders_of_one_customer_land_on_one_member():
    ledger = InMemoryLedger()
    award(paid(), ledger)
    award(paid(id=5928371928374650999), ledger)
    [member] = ledger.members.values()
    assert member.points_balance == 300
