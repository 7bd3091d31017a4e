"""Reconciliation: what a platform says happened, against what the ledger has seen.

Webhooks can arrive late or never (Shopify says so). Each run reads the facts a platform changed in a window — from
the last run's watermark, minus an overlap, to a little before now — and feeds the ones the ledger lacks through the
worker's own path, where every effect is keyed by its business id: a fact seen twice changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chalicelib.domain.accounting import OrderAccount

SHOPIFY = "shopify"
HUBSPOT = "hubspot"
SOURCES = (SHOPIFY, HUBSPOT)

PAID = "paid"
CANCELLED = "cancelled"
REFUND = "refund"
CONTACT = "contact"


@dataclass(frozen=True)
class Settings:
    overlap: timedelta = timedelta(hours=1)        # each window starts this long before the watermark
    settle: timedelta = timedelta(minutes=15)      # facts younger than this are left to their webhook in flight
    first_lookback: timedelta = timedelta(days=2)  # the first run's window, when no watermark is stored yet
    max_pages: int = 40                            # pages of one run; the rest waits for the next run


@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime

    @property
    def empty(self) -> bool:
        return self.until <= self.since


def window(watermark: datetime | None, now: datetime, settings: Settings) -> Window:
    """[watermark − overlap, now − settle); without a watermark, the first lookback before now − settle."""
    until = now - settings.settle
    start = watermark if watermark is not None else until - settings.first_lookback
    return Window(since=min(start, until) - settings.overlap, until=until)


@dataclass(frozen=True)
class OrderFacts:
    """What the platform says of one order: enough to tell whether the ledger has seen it all."""

    order_id: str
    updated_at: datetime
    paid: bool                          # paid in full at some point (refunds may have followed)
    cancelled: bool
    refund_ids: frozenset[str] = frozenset()
    has_customer: bool = True
    test: bool = False


def missing_facts(facts: OrderFacts, account: OrderAccount | None) -> tuple[str, ...]:
    """The facts the ledger lacks, as `paid`, `cancelled` and `refund:<id>`; none for an order the engine ignores
    (a test order, or an order with no customer and no account)."""
    if facts.test or (account is None and not facts.has_customer):
        return ()
    seen_paid = account is not None and account.paid_at is not None
    relevant = facts.paid or seen_paid or account is not None
    if not relevant:
        return ()                       # never paid, never seen: nothing for the ledger to do
    missing: list[str] = []
    if facts.paid and facts.has_customer and not seen_paid:
        missing.append(PAID)
    if facts.cancelled and (account is None or account.cancelled_at is None):
        missing.append(CANCELLED)
    known = account.refunds if account is not None else {}
    missing += [f"{REFUND}:{r}" for r in sorted(facts.refund_ids) if r not in known]
    return tuple(missing)


@dataclass(frozen=True)
class Repair:
    """One fact the ledger lacked and now has (no personal data: platform ids, the member id, points)."""

    source: str
    ref: str                            # the order id, or the HubSpot contact id
    facts: tuple[str, ...]
    repaired_at: datetime
    member_id: str | None = None
    points: int = 0


@dataclass
class RunReport:
    """One source's run: the window read, what was looked at and repaired, and where the next run starts."""

    source: str
    started_at: datetime
    window: Window
    scanned: int = 0
    repaired: list[Repair] = field(default_factory=list)
    refused: int = 0
    failed: int = 0
    complete: bool = True               # the whole window was read (else the next run resumes)
    errors: list[str] = field(default_factory=list)     # the first failures: "<ref>: <error class>", for the log
    watermark: datetime | None = None   # stored for the next run; None: unchanged

    def summary(self) -> dict[str, object]:
        return {"scanned": self.scanned, "repaired": len(self.repaired), "refused": self.refused,
                "failed": self.failed, "complete": self.complete}


def next_watermark(report: RunReport, last_seen: datetime | None, first_failure: datetime | None) -> datetime | None:
    """The window's end when it was read whole without a failure; else the newest fact read in order before the
    first failure (the next window starts an overlap before it, so the failed fact is read again)."""
    if report.complete and first_failure is None:
        return report.window.until
    candidates = [t for t in (last_seen, first_failure) if t is not None]
    return min(candidates) if candidates else None
