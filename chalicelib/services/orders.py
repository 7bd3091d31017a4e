"""Order events → the order's account → ledger entries, with optimistic retries. Any arrival order, once."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from chalicelib.domain import accounting as acc
from chalicelib.domain import tiers
from chalicelib.domain.errors import ConcurrentChange
from chalicelib.domain.ledger import EntryKind, Identity, LedgerEntry, Member, MemberHints, entry_id_for, member_id_for
from chalicelib.domain.orders import Delivery, FulfillmentChanged, OrderUpdate, Refund, RefundCreated
from chalicelib.domain.program import LOTS, ProgramRules
from chalicelib.domain.rewards import cheapest
from chalicelib.domain.rules import award_for
from chalicelib.services.merges import absorb_by_email
from chalicelib.services.order_effects import member_effect
from chalicelib.services.ports.clock import Clock
from chalicelib.services.ports.ledger import LedgerRepository
from chalicelib.services.ports.programs import RulesSource
from chalicelib.services.ports.rewards import RewardCatalog
from chalicelib.services.survey_requests import with_surveys

ATTEMPTS = 5
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
                                                     order.name, items, order.processed_at))
            multiplier = awarding.multiplier(order.processed_at, member.tier if member else awarding.tiers[0].name)
            if member is not None:              # an offer's boost, read with the profile: no extra round trip
                multiplier *= member.boost_at(order.processed_at)
            award = award_for(order, awarding.earning, multiplier, tags)
            if award.points > 0:
                record = acc.AwardRecord(award.points, award.base, award.presentment_base, awarding.version,
                                         order.taxes_included, order.processed_at,
                                         acc.release_time(order.processed_at, policy),
                                         _lot_expiry(awarding, order.processed_at), order.name)
                change = _then(change, acc.on_paid(change.account, record, member_id_for(program_id, identity),
                                                   policy, balance + _spent(change)))
        return change

    # The products' tags: what excluded tags leave out, and the tags a member has bought (segments target them).
    products = [line.product_id for line in order.lines if line.product_id] if event.paid and identity else []
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
        credit = member.spend_credit if member else 0
        return _then(released, acc.on_lot_expiry(released.account, now, balance, credit))

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
    looked_up = False
    for _ in range(ATTEMPTS):
        now = clock.now()
        known = member_id_for(program_id, identity) if identity else None
        read = ledger.load_order(program_id, shop, order_id, known, product_ids)
        account, member, tags = read.account, read.member, read.product_tags
        if member is None and identity is not None and known is not None and hints.email and not looked_up:
            looked_up = True          # a customer seen for the first time: the same person may be known already
            if absorb_by_email(program_id, known, identity, hints.email, ledger, rules.rules_at(program_id, now),
                               clock):
                continue
        current = account or acc.OrderAccount(shop=shop, order_id=order_id)
        if member is None and known is None and current.member_id and needs_balance:
            member = ledger.get_member(program_id, current.member_id)
        change = steps(current, member, tags)
        if change.account.version == current.version:
            return Outcome("unchanged", "already_applied", member_id=current.member_id)
        entries = _entries(change, delivery, now)
        cheapest_reward = cheapest(rewards.list(program_id)) if rewards is not None and known else None
        rules_now = rules.rules_at(program_id, now)
        effect = member_effect(current, change, member, rules_now, entries, now,
                               read=known is not None or needs_balance, reward=cheapest_reward)
        effect = with_surveys(program_id, current, change.account, member, effect, rules_now, now)
        bought = frozenset().union(*tags.values())
        if effect is not None and effect.purchase_day is not None and bought:
            effect = replace(effect, tags_bought=bought)
        try:
            ledger.commit_order(program_id, change.account, account.version if account else None, entries,
                                identity, _fill_only(hints, member), effect, now=now)
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


def _lot_expiry(rules: ProgramRules, paid_at: datetime) -> datetime | None:
    return tiers.add_months(paid_at, rules.expiry.months) if rules.expiry.policy == LOTS else None


def _then(first: acc.Change, second: acc.Change) -> acc.Change:
    return acc.Change(second.account, first.postings + second.postings, first.spend_absorbed + second.spend_absorbed)


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
