"""One order's account in the ledger: what it earned and what was clawed back, whatever order events arrive in.

Each event updates the account's facts (paid, refunds by id, cancelled, released) and `reconcile` derives the
entries that bring the ledger to the target those facts imply. Because the target depends only on the set of
facts, the final balance is the same for any arrival order, and a repeated fact produces nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from chalicelib.domain.ledger import EntryKind
from chalicelib.domain.money import Money

ALLOW_NEGATIVE = "allow_negative"
FLOOR_AT_ZERO = "floor_at_zero"


@dataclass(frozen=True)
class Policy:
    hold_days: int = 0
    negative_balance: str = ALLOW_NEGATIVE


@dataclass(frozen=True)
class AwardRecord:
    points: int
    base: Money
    presentment_base: Money
    rule_version: str
    taxes_included: bool
    paid_at: datetime
    release_at: datetime | None  # None: spendable at once
    lot_expires_at: datetime | None = None   # expiry policy "lots": the award expires on its own
    order_name: str = ""                     # "#1042", for messages


@dataclass(frozen=True)
class RefundRecord:
    subtotal: Decimal     # refunded merchandise, gift cards excluded, shop money
    tax: Decimal          # tax on those lines (taken out when the shop's prices include tax)
    refunded_at: datetime

    def base(self, taxes_included: bool) -> Decimal:
        return self.subtotal - self.tax if taxes_included else self.subtotal


@dataclass(frozen=True)
class FulfillmentRecord:
    """A shipment of the order, as far as Shopify knows: review requests are timed from it."""

    status: str                    # pending, open, success, cancelled, error, failure
    shipment_status: str | None    # carrier-driven: in_transit, delivered, … (may never arrive)
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None = None
    line_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Posting:
    """An entry to write: `points` moves the spendable balance, `pending` the pending balance."""

    kind: EntryKind
    points: int
    pending: int
    key: str
    occurred_at: datetime
    reason: str


@dataclass(frozen=True)
class OrderAccount:
    shop: str
    order_id: str
    member_id: str | None = None
    award: AwardRecord | None = None
    refunds: dict[str, RefundRecord] = field(default_factory=dict)
    cancelled_at: datetime | None = None
    released: bool = False
    reversed_points: int = 0      # clawed back so far, from either balance
    reversed_pending: int = 0     # the part of it taken from pending points
    uncollected: int = 0          # clawback the floor-at-zero policy could not take
    expired: int = 0              # points of this award that expired (lots policy)
    lot_expired: bool = False
    fulfillments: dict[str, FulfillmentRecord] = field(default_factory=dict)
    items: tuple[tuple[str, str], ...] = ()     # reviewable products: (product id, title)
    order_name: str = ""
    reviewed_at: datetime | None = None          # a review app told us the customer reviewed this order
    paid_at: datetime | None = None              # when the order was paid (its processed_at, with the shop's offset)
    version: int = 0

    @property
    def key(self) -> str:
        return f"shopify:{self.shop}:order:{self.order_id}"

    @property
    def next_due(self) -> datetime | None:
        """When this order next has time-driven work: its hold ending, then its lot expiring."""
        award = self.award
        if award is None:
            return None
        if self.pending_remaining > 0 and award.release_at is not None:
            return award.release_at
        if award.lot_expires_at is not None and not self.lot_expired and self.lot_remaining > 0:
            return award.lot_expires_at
        return None

    @property
    def lot_remaining(self) -> int:
        return 0 if self.award is None else self.award.points - self.reversed_points - self.expired

    @property
    def pending_remaining(self) -> int:
        if self.award is None or self.award.release_at is None or self.released:
            return 0
        return self.award.points - self.reversed_pending


@dataclass(frozen=True)
class Change:
    """The account after an event (its version moves whenever anything changed) and the entries to write."""

    account: OrderAccount
    postings: tuple[Posting, ...]
    spend_absorbed: int = 0     # the member's unassigned spending set against this award's lot (FIFO)


def on_paid(account: OrderAccount, award: AwardRecord, member_id: str, policy: Policy, balance: int) -> Change:
    if account.award is not None:
        return Change(account, ())
    pending = award.release_at is not None
    earn = Posting(EntryKind.PENDING_EARN if pending else EntryKind.EARN, 0 if pending else award.points,
                   award.points if pending else 0, f"{account.key}:earn", award.paid_at, "order paid")
    updated = replace(account, award=award, member_id=member_id)
    return _reconcile(updated, (earn,), policy, balance + earn.points, award.paid_at)


def on_refund(account: OrderAccount, refund_id: str, refund: RefundRecord, policy: Policy, balance: int) -> Change:
    if refund_id in account.refunds:
        return Change(account, ())
    updated = replace(account, refunds={**account.refunds, refund_id: refund})
    return _reconcile(updated, (), policy, balance, refund.refunded_at, recorded=True)


def on_cancel(account: OrderAccount, cancelled_at: datetime, policy: Policy, balance: int) -> Change:
    if account.cancelled_at is not None:
        return Change(account, ())
    updated = replace(account, cancelled_at=cancelled_at)
    return _reconcile(updated, (), policy, balance, cancelled_at, recorded=True)


def on_release(account: OrderAccount, now: datetime) -> Change:
    award = account.award
    if award is None or award.release_at is None or account.released or now < award.release_at:
        return Change(account, ())
    amount = account.pending_remaining
    updated = replace(account, released=True, version=account.version + 1)
    if amount == 0:
        return Change(updated, ())
    return Change(updated, (Posting(EntryKind.RELEASE, amount, -amount, f"{account.key}:release",
                                    award.release_at, "hold period over"),))


def on_lot_expiry(account: OrderAccount, now: datetime, balance: int, spend_credit: int = 0) -> Change:
    """The lots policy: what is left of this award expires, never more than the member still holds.

    Spending consumes the oldest lots first (FIFO): redemptions add to the member's `spend_credit`, and each
    lot, as its time comes (lots expire in the order they were earned), first absorbs that credit; only the
    rest of the lot expires. So spent points never expire, and points spent are taken from the oldest lots.
    """
    award = account.award
    if award is None or award.lot_expires_at is None or account.lot_expired or now < award.lot_expires_at:
        return Change(account, ())
    if account.pending_remaining > 0:
        return Change(account, ())
    absorbed = max(min(account.lot_remaining, spend_credit), 0)
    amount = max(min(account.lot_remaining - absorbed, balance), 0)
    updated = replace(account, lot_expired=True, expired=account.expired + amount, version=account.version + 1)
    if amount == 0:
        return Change(updated, (), absorbed)
    return Change(updated, (Posting(EntryKind.EXPIRE, -amount, 0, f"{account.key}:expire", award.lot_expires_at,
                                    "points expired"),), absorbed)


def on_order_seen(account: OrderAccount, member_id: str, order_name: str,
                  items: tuple[tuple[str, str], ...], paid_at: datetime) -> Change:
    """Who ordered what and when it was paid: the member, the reviewable products and the payment time (its day is a
    purchase day of the member's), kept once the order is paid."""
    if (account.items == items and account.member_id == member_id and account.order_name == order_name
            and account.paid_at is not None):
        return Change(account, ())
    return Change(replace(account, member_id=account.member_id or member_id, items=items, order_name=order_name,
                          paid_at=account.paid_at or paid_at, version=account.version + 1), ())


def on_review(account: OrderAccount, at: datetime) -> Change:
    if account.reviewed_at is not None:
        return Change(account, ())
    return Change(replace(account, reviewed_at=at, version=account.version + 1), ())


def fully_refunded(account: OrderAccount) -> bool:
    award = account.award
    if award is None:
        return False
    refunded = sum((r.base(award.taxes_included) for r in account.refunds.values()), Decimal(0))
    return award.base.amount > 0 and refunded >= award.base.amount


# How far a shipment has come: its status only moves forward, so it breaks ties between updates stamped in the
# same second (Shopify's timestamps have one-second resolution; a label printed and delivered in one sync).
SHIPMENT_PROGRESS = {"label_printed": 1, "label_purchased": 1, "confirmed": 2, "in_transit": 3,
                     "out_for_delivery": 4, "attempted_delivery": 4, "ready_for_pickup": 4, "delivered": 5,
                     "failure": 5}


def shipment_progress(record: FulfillmentRecord) -> int:
    return SHIPMENT_PROGRESS.get((record.shipment_status or "").lower(), 0)


def _newer(record: FulfillmentRecord, known: FulfillmentRecord) -> bool:
    if record.updated_at != known.updated_at:
        return record.updated_at > known.updated_at
    return shipment_progress(record) > shipment_progress(known)


def on_fulfillment(account: OrderAccount, fulfillment_id: str, record: FulfillmentRecord) -> Change:
    """Keep the newest state of each fulfillment (ties broken by how far the shipment has come); the first
    delivered state fixes when it was delivered."""
    known = account.fulfillments.get(fulfillment_id)
    if known is not None and not _newer(record, known):
        return Change(account, ())
    delivered = (record.shipment_status or "").lower() == "delivered"
    delivered_at = known.delivered_at if known and known.delivered_at else (record.updated_at if delivered else None)
    updated = replace(account, fulfillments={**account.fulfillments,
                                             fulfillment_id: replace(record, delivered_at=delivered_at)},
                      version=account.version + 1)
    return Change(updated, ())


def release_time(paid_at: datetime, policy: Policy) -> datetime | None:
    return paid_at + timedelta(days=policy.hold_days) if policy.hold_days > 0 else None


def qualifying_spend(account: OrderAccount) -> Decimal:
    """What the order counts toward tiers: its earning base, less refunds; nothing once cancelled."""
    award = account.award
    if award is None or account.cancelled_at is not None:
        return Decimal(0)
    refunded = sum((r.base(award.taxes_included) for r in account.refunds.values()), Decimal(0))
    return max(award.base.amount - refunded, Decimal(0))


def target_reversal(account: OrderAccount) -> int:
    """Points the facts say must be clawed back: all when cancelled, else in proportion to refunded merchandise."""
    award = account.award
    if award is None:
        return 0
    if account.cancelled_at is not None:
        return award.points
    refunded = sum((r.base(award.taxes_included) for r in account.refunds.values()), Decimal(0))
    if refunded <= 0:
        return 0
    if award.base.amount <= 0 or refunded >= award.base.amount:
        return award.points
    share = (Decimal(award.points) * refunded / award.base.amount).to_integral_value(rounding=ROUND_DOWN)
    return min(int(share), award.points)


def _reconcile(account: OrderAccount, postings: tuple[Posting, ...], policy: Policy, balance: int,
               at: datetime, recorded: bool = False) -> Change:
    """Append the reversal the facts now call for; bump the version whenever the account changed."""
    target = min(target_reversal(account), account.award.points - account.expired if account.award else 0)
    delta = target - account.reversed_points      # expired points cannot be clawed back a second time
    bumped = replace(account, version=account.version + 1)
    if delta <= 0:
        return Change(bumped, postings) if (postings or recorded) else Change(account, ())
    from_pending = min(delta, account.pending_remaining)
    from_balance = delta - from_pending
    uncollected = 0
    if policy.negative_balance == FLOOR_AT_ZERO:
        collectable = max(min(from_balance, balance), 0)
        uncollected, from_balance = from_balance - collectable, collectable
    bumped = replace(bumped, reversed_points=account.reversed_points + delta,
                     reversed_pending=account.reversed_pending + from_pending,
                     uncollected=account.uncollected + uncollected)
    if from_balance == 0 and from_pending == 0:
        return Change(bumped, postings)
    reverse = Posting(EntryKind.REVERSE, -from_balance, -from_pending,
                      f"{account.key}:reverse:{bumped.reversed_points}", at,
                      "order cancelled" if account.cancelled_at else "order refunded")
    return Change(bumped, (*postings, reverse))
