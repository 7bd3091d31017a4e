"""Earning points for orders: one award per order, whatever and however often Shopify sends."""
from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.errors import DuplicateEntry
from chalicelib.domain.ledger import EntryKind, Identity, LedgerEntry, MemberHints, entry_id_for
from chalicelib.domain.orders import OrderPaid
from chalicelib.domain.rules import EarningRule, award_for
from chalicelib.services.ports import Clock, LedgerRepository


@dataclass(frozen=True)
class Outcome:
    status: str  # "recorded", "duplicate" or "skipped"
    reason: str | None = None
    member_id: str | None = None
    entry_id: str | None = None
    points: int = 0


def shopify_identity(shop: str, customer_id: str) -> Identity:
    return Identity("shopify", f"{shop}:{customer_id}")


def award_order(event: OrderPaid, program_id: str, rule: EarningRule, ledger: LedgerRepository,
                clock: Clock) -> Outcome:
    order = event.order
    if order.test:
        return Outcome("skipped", "test_order")
    if order.customer is None:
        return Outcome("skipped", "no_customer")
    award = award_for(order, rule)
    if award.points <= 0:
        return Outcome("skipped", "nothing_to_earn")
    business_key = f"shopify:{order.shop}:order:{order.order_id}:earn"
    entry = LedgerEntry(
        entry_id=entry_id_for(business_key),
        business_key=business_key,
        kind=EntryKind.EARN,
        points=award.points,
        occurred_at=order.processed_at,
        recorded_at=clock.now(),
        source={"platform": "shopify", "shop": order.shop, "order_id": order.order_id,
                "order_name": order.name, "topic": event.delivery.topic,
                "webhook_id": event.delivery.webhook_id, "event_id": event.delivery.event_id or ""},
        base=award.base,
        presentment_base=award.presentment_base,
        rule_version=award.rule_version,
    )
    hints = MemberHints(email=order.customer.email, first_name=order.customer.first_name)
    identity = shopify_identity(order.shop, order.customer.customer_id)
    try:
        member_id = ledger.append(program_id, identity, hints, entry)
    except DuplicateEntry:
        return Outcome("duplicate", "already_recorded", entry_id=entry.entry_id)
    return Outcome("recorded", member_id=member_id, entry_id=entry.entry_id, points=entry.points)
