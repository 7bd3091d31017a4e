"""Tiers, inactivity expiry and lot expiry through the real adapters (moto), driven as of chosen times."""
from datetime import UTC, datetime
from decimal import Decimal

from chalicelib import bootstrap
from chalicelib.adapters.shopify_events import load_json
from chalicelib.adapters.shopify_topics import parse_event
from chalicelib.domain.orders import Delivery
from chalicelib.domain.program import INACTIVITY, LOTS, Expiry, ProgramRules, Tier
from chalicelib.domain.tiers import add_months
from chalicelib.services import jobs
from chalicelib.services.orders import apply_order_update, apply_refund
from tests.factories import SHOP, body_of, load_event, make_order
from tests.fakes import FixedClock, StaticRules

T0 = datetime(2026, 1, 10, 12, tzinfo=UTC)
TIERS = (Tier("member", Decimal(0)), Tier("silver", Decimal(100), Decimal("1.25")),
         Tier("gold", Decimal(1000), Decimal(2)))


def pay(rules, order_id, at):
    body = load_json(body_of(make_order(id=order_id, processed_at=at.isoformat())))
    event = parse_event(Delivery("shopify", "orders/paid", f"wh-{order_id}"), SHOP, body)
    return apply_order_update(event, "demo", rules, bootstrap.get_ledger(), FixedClock(at))


def refund(rules, order_id, at, refund_id=890088186047892319):
    payload = {**load_event("shopify/refunds-create.2026-04"), "id": refund_id, "order_id": order_id,
               "created_at": at.isoformat()}
    event = parse_event(Delivery("shopify", "refunds/create", f"r-{order_id}"), SHOP, load_json(body_of(payload)))
    return apply_refund(event, "demo", rules, bootstrap.get_ledger(), FixedClock(at))


def member():
    [found] = bootstrap.get_ledger().find_by_email("demo", "ada@example.com")
    return found


def kinds():
    page = bootstrap.get_ledger().ledger("demo", member().member_id, None, 50)
    return [(e.kind.value, e.points) for e in page.entries]


def test_a_member_moves_up_as_soon_as_spend_reaches_a_tier_and_earns_at_its_rate_from_then(aws):
    rules = StaticRules(ProgramRules(tiers=TIERS))
    pay(rules, 1, T0)
    assert (member().tier, member().points_balance) == ("silver", 150)
    assert pay(rules, 2, T0).points == 188                         # 150.74 x 1.25
    assert member().tier_review_at == add_months(T0, 12)


def test_the_yearly_review_moves_down_when_the_last_12_months_fall_short(aws):
    rules = StaticRules(ProgramRules(tiers=TIERS))
    pay(rules, 1, T0)
    ledger, due = bootstrap.get_ledger(), bootstrap.get_due_work()
    assert jobs.review_tiers("demo", add_months(T0, 11), ledger, due, rules).done == 0
    assert jobs.review_tiers("demo", add_months(T0, 12), ledger, due, rules).done == 1
    assert member().tier == "member"
    assert member().tier_review_at == add_months(T0, 24)


def test_inactivity_expires_the_whole_balance_only_after_months_without_activity(aws):
    rules = StaticRules(ProgramRules(expiry=Expiry(INACTIVITY, 12)))
    ledger, due = bootstrap.get_ledger(), bootstrap.get_due_work()
    pay(rules, 1, T0)
    pay(rules, 2, add_months(T0, 6))
    assert jobs.expire_inactive("demo", add_months(T0, 13), ledger, due, rules).done == 0   # moved by order 2
    assert member().points_balance == 300
    assert jobs.expire_inactive("demo", add_months(T0, 18), ledger, due, rules).done == 1
    assert member().points_balance == 0
    assert kinds()[0] == ("expire", -300)
    assert jobs.expire_inactive("demo", add_months(T0, 30), ledger, due, rules).done == 0   # done for good


def test_lots_expire_one_award_at_a_time_and_a_later_refund_takes_nothing_twice(aws):
    rules = StaticRules(ProgramRules(expiry=Expiry(LOTS, 12)))
    ledger, due, clock = bootstrap.get_ledger(), bootstrap.get_due_work(), FixedClock(add_months(T0, 12))
    pay(rules, 1, T0)
    pay(rules, 2, add_months(T0, 6))
    refund(rules, 1, add_months(T0, 1))                             # 53 of order 1's 150 reversed
    assert jobs.orders_due("demo", add_months(T0, 12), ledger, due, rules, clock).done == 1
    assert member().points_balance == 150                           # order 1's remaining 97 expired
    assert ("expire", -97) in kinds()
    later = refund(rules, 1, add_months(T0, 13), refund_id=2)      # nothing left of that lot to claw back
    assert (later.status, later.points) == ("recorded", 0)
    assert member().points_balance == 150


def test_a_signup_bonus_counts_as_activity_and_expires_with_inactivity(aws):
    from chalicelib.services.deliveries import apply_delivery
    rules = StaticRules(ProgramRules(expiry=Expiry(INACTIVITY, 12)))
    envelope = {"v": 1, "source": "shopify", "program_id": "demo", "shop": SHOP, "topic": "customers/create",
                "webhook_id": "c1", "body": body_of(load_event("shopify/customers-create.2026-04")).decode()}
    apply_delivery(envelope, bootstrap.get_formats(), bootstrap.get_ledger(), bootstrap.get_profiles(), rules,
                   bootstrap.get_requests(), bootstrap.get_shops(), bootstrap.get_products(), FixedClock(T0))
    assert (member().points_balance, member().last_activity_at) == (100, T0)
    ledger, due = bootstrap.get_ledger(), bootstrap.get_due_work()
    assert jobs.expire_inactive("demo", add_months(T0, 12), ledger, due, rules).done == 1
    assert member().points_balance == 0
