"""Order events → the order's account → ledger entries, with optimistic retries. Any arrival order, once."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain import accounting as acc
from chalicelib.domain import tiers
from chalicelib.domain.errors import ConcurrentChange
from chalicelib.domain.ledger import EntryKind, Identity, LedgerEntry, Member, MemberHints, entry_id_for, member_id_for
from chalicelib.domain.messages import Message, new_message
from chalicelib.domain.orders import Delivery, FulfillmentChanged, OrderUpdate, Refund, RefundCreated
from chalicelib.domain.program import INACTIVITY, LOTS, ProgramRules
from chalicelib.domain.rewards import Reward, cheapest, crossed
from chalicelib.domain.rules import award_for
from chalicelib.services.lifecycle import expiry_notices, tier_notice
from chalicelib.services.ports import Clock, LedgerRepository, MemberChange, RulesSource
from chalicelib.services.rewards import RewardCatalog

ATTEMPTS = 5
ACTIVITY = {EntryKind.EARN, EntryKind.PENDING_EARN, EntryKind.BONUS, EntryKind.REDEEM}
Steps = Callable[[acc.OrderAccount, Member | None, Mapping[str, frozenset[str]]], acc.Change]


@dataclass(frozen=True)
class Outcome:
    status: str  # "recorded", "unchanged" or "skipped"
    reason: str | None = None
    member_id: str | None = None
    points: int = 0
    pending: int = 0


def shopify_identity(shop: str, customer_id: str) -> Identity:
    return Identity("shopify", f"{shop}:{customer_id}")


def apply_order_update(event: OrderUpdate, program_id: str, rules: RulesSource, ledger: LedgerRepository,
                       clock: Clock, rewards: RewardCatalog | None = None) -> Outcome:
    order = event.order
    if order.test:
        return Outcome("skipped", "test_order")
    customer = order.customer
    identity = shopify_identity(order.shop, customer.customer_id) if customer else None
    hints = MemberHints(email=customer.email, first_name=customer.first_name) if customer else MemberHints()
    awarding = rules.rules_at(program_id, order.processed_at)
    policy = awarding.policy

    def steps(account: acc.OrderAccount, member: Member | None, tags: Mapping[str, frozenset[str]]) -> acc.Change:
        balance = member.points_balance if member else 0
        change = acc.Change(account, ())
        for refund in event.refunds:
            change = _then(change, acc.on_refund(change.account, refund.refund_id, _record(refund), policy,
                                                 balance + _spent(change)))
        if event.cancelled_at:
            change = _then(change, acc.on_cancel(change.account, event.cancelled_at, policy, balance + _spent(change)))
        if event.paid and identity is not None:
            items = tuple((line.product_id, line.title) for line in order.lines
                          if line.product_id and not line.gift_card)
            change = _then(change, acc.on_order_seen(change.account, member_id_for(program_id, identity),
                                                     order.name, items))
            multiplier = awarding.multiplier(order.processed_at, member.tier if member else awarding.tiers[0].name)
            award = award_for(order, awarding.earning, multiplier, tags)
            if award.points > 0:
                record = acc.AwardRecord(award.points, award.base, award.presentment_base, awarding.version,
                                         order.taxes_included, order.processed_at,
                                         acc.release_time(order.processed_at, policy),
                                         _lot_expiry(awarding, order.processed_at), order.name)
                change = _then(change, acc.on_paid(change.account, record, member_id_for(program_id, identity),
                                                   policy, balance + _spent(change)))
        return change

    products = [line.product_id for line in order.lines if line.product_id] \
        if awarding.earning.excluded_product_tags else []
    return _apply(program_id, order.shop, order.order_id, identity, hints, event.delivery, steps, ledger, rules,
                  clock, product_ids=products, rewards=rewards)


def apply_refund(event: RefundCreated, program_id: str, rules: RulesSource, ledger: LedgerRepository,
                 clock: Clock) -> Outcome:
    refund = event.refund
    policy = rules.rules_at(program_id, refund.created_at).policy

    def steps(account: acc.OrderAccount, member: Member | None, _: object) -> acc.Change:
        return acc.on_refund(account, refund.refund_id, _record(refund), policy,
                             member.points_balance if member else 0)

    return _apply(program_id, event.shop, refund.order_id, None, MemberHints(), event.delivery, steps, ledger,
                  rules, clock, needs_balance=policy.negative_balance == acc.FLOOR_AT_ZERO)


def apply_fulfillment(event: FulfillmentChanged, program_id: str, rules: RulesSource, ledger: LedgerRepository,
                      clock: Clock) -> Outcome:
    """Record a shipment and its delivery on the order (review requests are timed from them)."""
    record = acc.FulfillmentRecord(event.status, event.shipment_status, event.created_at, event.updated_at,
                                   line_ids=event.line_ids)

    def steps(account: acc.OrderAccount, member: Member | None, _: object) -> acc.Change:
        return acc.on_fulfillment(account, event.fulfillment_id, record)

    return _apply(program_id, event.shop, event.order_id, None, MemberHints(), event.delivery, steps, ledger, rules,
                  clock)


def record_review(program_id: str, shop: str, order_id: str, ledger: LedgerRepository, rules: RulesSource,
                  clock: Clock) -> Outcome:
    """A review app reports that the customer reviewed the order: no reminder will follow."""
    delivery = Delivery(source="admin", topic="review_recorded", webhook_id=f"review@{order_id}")

    def steps(account: acc.OrderAccount, member: Member | None, _: object) -> acc.Change:
        return acc.on_review(account, clock.now())

    return _apply(program_id, shop, order_id, None, MemberHints(), delivery, steps, ledger, rules, clock)


def release_order(program_id: str, ref: str, now: datetime, ledger: LedgerRepository, rules: RulesSource,
                  clock: Clock) -> Outcome:
    """Make an order's pending points spendable once its hold is over, and expire its lot when that is due."""
    shop, order_id = parse_order_key(ref)
    delivery = Delivery(source="schedule", topic="order_due_work", webhook_id=f"due@{now.isoformat()}")

    def steps(account: acc.OrderAccount, member: Member | None, _: object) -> acc.Change:
        released = acc.on_release(account, now)
        balance = (member.points_balance if member else 0) + _spent(released)
        return _then(released, acc.on_lot_expiry(released.account, now, balance))

    return _apply(program_id, shop, order_id, None, MemberHints(), delivery, steps, ledger, rules, clock,
                  needs_balance=True)


def parse_order_key(ref: str) -> tuple[str, str]:
    platform, shop, kind, order_id = ref.split(":")
    if platform != "shopify" or kind != "order":
        raise ValueError(f"not an order key: {ref}")
    return shop, order_id


def _apply(program_id: str, shop: str, order_id: str, identity: Identity | None, hints: MemberHints,
           delivery: Delivery, steps: Steps, ledger: LedgerRepository, rules: RulesSource, clock: Clock,
           needs_balance: bool = False, product_ids: Sequence[str] = (),
           rewards: RewardCatalog | None = None) -> Outcome:
    """Read the account (and the member when the event names the customer), apply, commit; retry on conflict.

    An event that names no customer (refund, shipment) reads the member only when the step needs its
    balance (floor-at-zero clawbacks, lot expiry): its member writes are then commutative ADDs.
    """
    for _ in range(ATTEMPTS):
        now = clock.now()
        known = member_id_for(program_id, identity) if identity else None
        read = ledger.load_order(program_id, shop, order_id, known, product_ids)
        account, member, tags = read.account, read.member, read.product_tags
        current = account or acc.OrderAccount(shop=shop, order_id=order_id)
        if member is None and known is None and current.member_id and needs_balance:
            member = ledger.get_member(program_id, current.member_id)
        change = steps(current, member, tags)
        if change.account.version == current.version:
            return Outcome("unchanged", "already_applied", member_id=current.member_id)
        entries = _entries(change, delivery, now)
        cheapest_reward = cheapest(rewards.list(program_id)) if rewards is not None and known else None
        effect = _member_effect(current, change, member, rules.rules_at(program_id, now), entries, now,
                                read=known is not None or needs_balance, reward=cheapest_reward)
        try:
            ledger.commit_order(program_id, change.account, account.version if account else None, entries,
                                identity, _fill_only(hints, member), effect)
        except ConcurrentChange:
            continue
        return Outcome("recorded", member_id=change.account.member_id,
                       points=sum(e.points for e in entries), pending=sum(e.pending_points for e in entries))
    raise ConcurrentChange(f"order {order_id} kept changing; the delivery will be retried")


def _fill_only(hints: MemberHints, member: Member | None) -> MemberHints:
    """Event data fills a profile that has no contact yet; it never touches a known or an erased member."""
    if member is not None and (member.email or member.erased_at):
        return MemberHints()
    return hints


def _member_effect(before: acc.OrderAccount, change: acc.Change, member: Member | None, rules: ProgramRules,
                   entries: list[LedgerEntry], now: datetime, read: bool,
                   reward: Reward | None = None) -> MemberChange | None:
    """Spend toward tiers (in the order's month), an upgrade it triggers, and activity for inactivity expiry.

    Only a change computed from a read profile (`read`) guards the profile's version; an unread one may only
    lower the spend, which the yearly review takes into account.
    """
    award = change.account.award
    review = _review_request(before, change.account, rules)
    if change.account.member_id is None or (award is None and review is None):
        return None
    if award is None:        # a shipment of an order that earned nothing: only its review request
        return MemberChange(expected_version=None, check_version=False, messages=(review,) if review else ())
    delta = acc.qualifying_spend(change.account) - acc.qualifying_spend(before)
    if delta == 0 and not entries and review is None:
        return None
    month = tiers.month_key(award.paid_at)
    spend = dict(member.spend) if member else {}
    spend[month] = spend.get(month, 0) + delta
    current_tier = member.tier if member else rules.tiers[0].name
    active = any(e.kind in ACTIVITY for e in entries)
    tier_change = tiers.upgrade(rules, current_tier, spend, now) if delta > 0 and read else None
    expires = tiers.add_months(now, rules.expiry.months) if active and rules.expiry.policy == INACTIVITY else None
    notices = (expiry_notices(change.account.member_id, expires, now) if expires else ()) + (
        tier_notice(change.account.member_id, tier_change.new, tier_change.review_at, now)
        if tier_change and tier_change.new != rules.tiers[0].name else ())
    return MemberChange(
        expected_version=member.version if member else None, spend_month=month, spend_delta=delta,
        check_version=read,
        tier_change=tier_change,
        messages=_messages(change.account, member, rules, entries, tier_change, now) + ((review,) if review else ())
        + notices + _reward_available(change.account.member_id, member, entries, reward, now),
        activity_at=now if active else None,
        inactivity_expiry_at=expires,
    )


def _messages(account: acc.OrderAccount, member: Member | None, rules: ProgramRules, entries: list[LedgerEntry],
              tier_change: tiers.TierChange | None, now: datetime) -> tuple[Message, ...]:
    """Points earned (when an order's points become spendable) and tier achieved, in the same transaction."""
    member_id = account.member_id or ""
    balance = (member.points_balance if member else 0) + sum(e.points for e in entries)
    name = account.award.order_name if account.award and account.award.order_name else f"#{account.order_id}"
    found = [new_message(f"points_earned:{e.business_key}", member_id, "points_earned", now,
                         {"points": e.points, "order_name": name, "balance": balance})
             for e in entries if e.kind in (EntryKind.EARN, EntryKind.RELEASE) and e.points > 0]
    if tier_change is not None and tier_change.new != tier_change.old:
        tier = rules.tier_named(tier_change.new)
        found.append(new_message(f"tier_achieved:{member_id}:{tier.name}:{now.isoformat()}", member_id,
                                 "tier_achieved", now, {"tier": tier.name, "multiplier": str(tier.multiplier)}))
    return tuple(found)


def _reward_available(member_id: str, member: Member | None, entries: list[LedgerEntry], reward: Reward | None,
                      now: datetime) -> tuple[Message, ...]:
    """The balance just reached the cheapest reward: tell the member, once per crossing."""
    before = member.points_balance if member else 0
    after = before + sum(e.points for e in entries)
    if reward is None or not crossed(reward, before, after):
        return ()
    return (new_message(f"reward_available:{member_id}:{reward.reward_id}:{entries[-1].business_key}", member_id,
                        "reward_available", now, {"reward_name": reward.name, "points_cost": reward.points_cost,
                                                  "balance": after}),)


def _review_request(before: acc.OrderAccount, after: acc.OrderAccount, rules: ProgramRules) -> Message | None:
    """The order's first shipment schedules one review request listing its products.

    It is due at the earliest moment it could go (shipment + the delay after delivery); the dispatcher
    holds it until the real time (delivery + delay, or shipment + the fallback) and drops it if the order
    was refunded or cancelled meanwhile.
    """
    if before.fulfillments or not after.fulfillments or not after.items or after.member_id is None:
        return None
    shipped = min(f.created_at for f in after.fulfillments.values())
    return new_message(f"review_request:{after.key}", after.member_id, "review_request",
                       shipped + timedelta(days=rules.reviews.after_delivery_days),
                       {"shop": after.shop, "order_id": after.order_id, "order_name": after.order_name or
                        f"#{after.order_id}", "products": [list(item) for item in after.items]})


def _lot_expiry(rules: ProgramRules, paid_at: datetime) -> datetime | None:
    return tiers.add_months(paid_at, rules.expiry.months) if rules.expiry.policy == LOTS else None


def _then(first: acc.Change, second: acc.Change) -> acc.Change:
    return acc.Change(second.account, first.postings + second.postings)


def _spent(change: acc.Change) -> int:
    return sum(p.points for p in change.postings)


def _record(refund: Refund) -> acc.RefundRecord:
    return acc.RefundRecord(refund.subtotal, refund.tax, refund.created_at)


def _entries(change: acc.Change, delivery: Delivery, now: datetime) -> list[LedgerEntry]:
    account, award = change.account, change.account.award
    source = {"platform": "shopify", "shop": account.shop, "order_id": account.order_id, "topic": delivery.topic,
              "webhook_id": delivery.webhook_id, "event_id": delivery.event_id or ""}
    entries = []
    for i, posting in enumerate(change.postings):
        earn = posting.kind in (EntryKind.EARN, EntryKind.PENDING_EARN)
        entries.append(LedgerEntry(
            entry_id=entry_id_for(posting.key), business_key=posting.key, kind=posting.kind,
            points=posting.points, pending_points=posting.pending, occurred_at=posting.occurred_at,
            recorded_at=now + timedelta(microseconds=i), source=source, reason=posting.reason,
            base=award.base if award and earn else None,
            presentment_base=award.presentment_base if award and earn else None,
            rule_version=award.rule_version if award else None,
        ))
    return entries
