"""Order events → the order's account → ledger entries, with optimistic retries. Any arrival order, once."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain import accounting as acc
from chalicelib.domain.errors import ConcurrentChange
from chalicelib.domain.ledger import Identity, LedgerEntry, MemberHints, entry_id_for, member_id_for
from chalicelib.domain.orders import Delivery, OrderUpdate, Refund, RefundCreated
from chalicelib.domain.rules import EarningRule, award_for
from chalicelib.services.ports import Clock, LedgerRepository

ATTEMPTS = 5


@dataclass(frozen=True)
class Outcome:
    status: str  # "recorded", "unchanged" or "skipped"
    reason: str | None = None
    member_id: str | None = None
    points: int = 0
    pending: int = 0


def shopify_identity(shop: str, customer_id: str) -> Identity:
    return Identity("shopify", f"{shop}:{customer_id}")


def apply_order_update(event: OrderUpdate, program_id: str, rule: EarningRule, policy: acc.Policy,
                       ledger: LedgerRepository, clock: Clock) -> Outcome:
    order = event.order
    if order.test:
        return Outcome("skipped", "test_order")
    customer = order.customer
    identity = shopify_identity(order.shop, customer.customer_id) if customer else None
    hints = MemberHints(email=customer.email, first_name=customer.first_name) if customer else MemberHints()

    def steps(account: acc.OrderAccount, balance: int) -> acc.Change:
        change = acc.Change(account, ())
        for refund in event.refunds:
            change = _then(change, acc.on_refund(change.account, refund.refund_id, _record(refund), policy,
                                                 balance + _spent(change)))
        if event.cancelled_at:
            change = _then(change, acc.on_cancel(change.account, event.cancelled_at, policy, balance + _spent(change)))
        if event.paid and identity is not None:
            award = award_for(order, rule)
            if award.points > 0:
                record = acc.AwardRecord(award.points, award.base, award.presentment_base, award.rule_version,
                                         order.taxes_included, order.processed_at,
                                         acc.release_time(order.processed_at, policy))
                change = _then(change, acc.on_paid(change.account, record, member_id_for(program_id, identity),
                                                   policy, balance + _spent(change)))
        return change

    return _apply(program_id, order.shop, order.order_id, identity, hints, event.delivery, steps, ledger, clock)


def apply_refund(event: RefundCreated, program_id: str, policy: acc.Policy, ledger: LedgerRepository,
                 clock: Clock) -> Outcome:
    refund = event.refund

    def steps(account: acc.OrderAccount, balance: int) -> acc.Change:
        return acc.on_refund(account, refund.refund_id, _record(refund), policy, balance)

    return _apply(program_id, event.shop, refund.order_id, None, MemberHints(), event.delivery, steps, ledger, clock)


def release_order(program_id: str, ref: str, now: datetime, ledger: LedgerRepository, clock: Clock) -> Outcome:
    """Make an order's pending points spendable once its hold period is over (run by the release job)."""
    shop, order_id = parse_order_key(ref)
    delivery = Delivery(source="schedule", topic="release_pending", webhook_id=f"release@{now.isoformat()}")

    def steps(account: acc.OrderAccount, balance: int) -> acc.Change:
        return acc.on_release(account, now)

    return _apply(program_id, shop, order_id, None, MemberHints(), delivery, steps, ledger, clock)


def parse_order_key(ref: str) -> tuple[str, str]:
    platform, shop, kind, order_id = ref.split(":")
    if platform != "shopify" or kind != "order":
        raise ValueError(f"not an order key: {ref}")
    return shop, order_id


def _apply(program_id: str, shop: str, order_id: str, identity: Identity | None, hints: MemberHints,
           delivery: Delivery, steps: Callable[[acc.OrderAccount, int], acc.Change], ledger: LedgerRepository,
           clock: Clock) -> Outcome:
    member_id = member_id_for(program_id, identity) if identity else None
    for _ in range(ATTEMPTS):
        account, member = ledger.load_order(program_id, shop, order_id, member_id)
        current = account or acc.OrderAccount(shop=shop, order_id=order_id)
        change = steps(current, member.points_balance if member else 0)
        if change.account.version == current.version:
            return Outcome("unchanged", "already_applied", member_id=current.member_id)
        entries = _entries(change, delivery, clock.now())
        try:
            ledger.commit_order(program_id, change.account, account.version if account else None, entries,
                                identity, hints)
        except ConcurrentChange:
            continue
        return Outcome("recorded", member_id=change.account.member_id,
                       points=sum(e.points for e in entries), pending=sum(e.pending_points for e in entries))
    raise ConcurrentChange(f"order {order_id} kept changing; the delivery will be retried")


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
        earn = posting.kind.value in ("earn", "pending_earn")
        entries.append(LedgerEntry(
            entry_id=entry_id_for(posting.key), business_key=posting.key, kind=posting.kind,
            points=posting.points, pending_points=posting.pending, occurred_at=posting.occurred_at,
            recorded_at=now + timedelta(microseconds=i), source=source, reason=posting.reason,
            base=award.base if award and earn else None,
            presentment_base=award.presentment_base if award and earn else None,
            rule_version=award.rule_version if award else None,
        ))
    return entries
