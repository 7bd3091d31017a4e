from datetime import UTC, datetime, timedelta
from decimal import Decimal

from chalicelib.domain import accounting as acc
from chalicelib.domain.ledger import EntryKind
from chalicelib.domain.money import Money

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)
NOW = acc.Policy()
HELD = acc.Policy(hold_days=30)
FLOOR = acc.Policy(negative_balance=acc.FLOOR_AT_ZERO)


def award(points=150, base="150.74", policy=NOW, taxes_included=False):
    return acc.AwardRecord(points=points, base=Money(Decimal(base), "USD"), presentment_base=Money(Decimal(0), "EUR"),
                           rule_version="default-1", taxes_included=taxes_included, paid_at=T0,
                           release_at=acc.release_time(T0, policy))


def refund(subtotal, tax="0.00", days=1):
    return acc.RefundRecord(Decimal(subtotal), Decimal(tax), T0 + timedelta(days=days))


def account():
    return acc.OrderAccount(shop="demo-shop.myshopify.com", order_id="1")


def totals(postings):
    return sum(p.points for p in postings), sum(p.pending for p in postings)


def test_payment_earns_once():
    first = acc.on_paid(account(), award(), "m1", NOW, 0)
    assert [(p.kind, p.points, p.pending) for p in first.postings] == [(EntryKind.EARN, 150, 0)]
    assert acc.on_paid(first.account, award(), "m1", NOW, 150).postings == ()


def test_a_hold_period_earns_pending_points_released_when_it_ends():
    paid = acc.on_paid(account(), award(policy=HELD), "m1", HELD, 0)
    assert [(p.kind, p.points, p.pending) for p in paid.postings] == [(EntryKind.PENDING_EARN, 0, 150)]
    assert acc.on_release(paid.account, T0 + timedelta(days=29)).postings == ()
    released = acc.on_release(paid.account, T0 + timedelta(days=30))
    assert [(p.kind, p.points, p.pending) for p in released.postings] == [(EntryKind.RELEASE, 150, -150)]
    assert acc.on_release(released.account, T0 + timedelta(days=31)).postings == ()


def test_partial_refunds_reverse_in_proportion_and_never_more_than_earned():
    paid = acc.on_paid(account(), award(), "m1", NOW, 0)
    half = acc.on_refund(paid.account, "r1", refund("75.37"), NOW, 150)
    assert totals(half.postings) == (-75, 0)
    rest = acc.on_refund(half.account, "r2", refund("75.37"), NOW, 75)
    assert totals(rest.postings) == (-75, 0)
    extra = acc.on_refund(rest.account, "r3", refund("10.00"), NOW, 0)
    assert extra.postings == ()
    assert extra.account.reversed_points == 150


def test_the_same_refund_twice_reverses_once():
    paid = acc.on_paid(account(), award(), "m1", NOW, 0)
    once = acc.on_refund(paid.account, "r1", refund("30.00"), NOW, 150)
    assert acc.on_refund(once.account, "r1", refund("30.00"), NOW, 120) == acc.Change(once.account, ())


def test_a_shipping_only_refund_reverses_nothing_but_is_remembered():
    paid = acc.on_paid(account(), award(), "m1", NOW, 0)
    shipping = acc.on_refund(paid.account, "r1", refund("0.00"), NOW, 150)
    assert shipping.postings == ()
    assert "r1" in shipping.account.refunds


def test_a_refund_before_payment_is_applied_when_the_payment_arrives():
    early = acc.on_refund(account(), "r1", refund("75.37"), NOW, 0)
    assert early.postings == ()
    assert early.account.version == 1                      # recorded: it must be stored
    paid = acc.on_paid(early.account, award(), "m1", NOW, 0)
    assert [(p.kind, p.points) for p in paid.postings] == [(EntryKind.EARN, 150), (EntryKind.REVERSE, -75)]


def test_cancellation_reverses_what_remains_and_a_later_payment_nets_to_zero():
    paid = acc.on_paid(account(), award(), "m1", NOW, 0)
    refunded = acc.on_refund(paid.account, "r1", refund("50.00"), NOW, 150)
    cancelled = acc.on_cancel(refunded.account, T0 + timedelta(days=2), NOW, 101)
    assert totals(cancelled.postings) == (-101, 0)
    early_cancel = acc.on_cancel(account(), T0, NOW, 0)
    late_paid = acc.on_paid(early_cancel.account, award(), "m1", NOW, 0)
    assert totals(late_paid.postings) == (0, 0)


def test_a_refund_during_the_hold_takes_pending_points_first():
    paid = acc.on_paid(account(), award(policy=HELD), "m1", HELD, 0)
    refunded = acc.on_refund(paid.account, "r1", refund("75.37"), HELD, 0)
    assert totals(refunded.postings) == (0, -75)
    released = acc.on_release(refunded.account, T0 + timedelta(days=30))
    assert totals(released.postings) == (75, -75)


def test_tax_is_taken_out_of_refunds_when_prices_include_it():
    paid = acc.on_paid(account(), award(points=100, base="100.00", taxes_included=True), "m1", NOW, 0)
    refunded = acc.on_refund(paid.account, "r1", refund("60.50", tax="10.50"), NOW, 100)
    assert totals(refunded.postings) == (-50, 0)


def test_floor_at_zero_claws_back_only_what_is_left_and_records_the_rest():
    paid = acc.on_paid(account(), award(), "m1", FLOOR, 0)
    cancelled = acc.on_cancel(paid.account, T0, FLOOR, 40)     # 110 of the 150 were already spent
    assert totals(cancelled.postings) == (-40, 0)
    assert cancelled.account.uncollected == 110
    assert cancelled.account.reversed_points == 150



def test_a_lot_first_absorbs_what_the_member_spent_and_only_the_rest_expires():
    lot = acc.AwardRecord(points=100, base=Money(Decimal(100), "USD"), presentment_base=Money(Decimal(100), "USD"),
                          rule_version="v1", taxes_included=False, paid_at=T0, release_at=None,
                          lot_expires_at=T0 + timedelta(days=365))
    held = acc.OrderAccount(shop="s", order_id="1", member_id="m", award=lot)
    later = T0 + timedelta(days=366)
    partly = acc.on_lot_expiry(held, later, balance=500, spend_credit=30)
    assert (partly.spend_absorbed, [p.points for p in partly.postings]) == (30, [-70])
    whole = acc.on_lot_expiry(held, later, balance=500, spend_credit=250)
    assert (whole.spend_absorbed, whole.postings, whole.account.lot_expired) == (100, (), True)
    assert acc.on_lot_expiry(held, later, balance=500).spend_absorbed == 0
    assert acc.on_lot_expiry(held, T0, balance=500, spend_credit=30).spend_absorbed == 0   # not due yet
