"""The program's day figures: what each ledger change adds to the counters of its day, and the KPIs they give.

Every change to a member adds small numbers (`Delta`s) to the counters of a day: the points its entries issued,
redeemed, expired or reversed, the value of the member's purchase days, and the member's *purchase events*. These
are counted so that any period's customer figures follow from day counters alone:

- a customer's first purchase day is a `first` event on that day;
- every later purchase day d is a `g<n>` event, n the days since the customer's previous purchase day;
- the second purchase day is also an `s<n>` event, n the days since the first.

Customers active in [a, b] = `first` events in it + `g<n>` events on days d in it with d − n < a (their previous
purchase day was before the period): each active customer has exactly one such event, on their first purchase day
in the period. The retention and repeat purchase figures are read the same way (`Period`). An order arriving
after a later one of the same customer changes the events of both days: `purchase_deltas` is the difference
between the events of the customer's days before and after, so the counters hold exactly the events of the days
as they are, whatever the order of arrival.

A delta's day is the date of the entry's `occurred_at` in the offset it carries (an order's own offset, the shop's
day), and the purchase day for purchase events, as `purchase_history` defines it.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import NamedTuple

from chalicelib.domain.ledger import EntryKind, LedgerEntry
from chalicelib.domain.tiers import TierChange

ISSUED, REDEEMED, EXPIRED, REVERSED, REDEMPTIONS = "issued", "redeemed", "expired", "reversed", "redemptions"
REVENUE, FIRST = "revenue", "first"
TIER_UP, TIER_DOWN = "tier_up", "tier_down"
MAIL = "mail_"                                 # mail_<what>:<message kind>
MAIL_COUNTS = ("sent", "delivered", "opened", "clicked")
GAP, SECOND = "g", "s"
RATE_PLACES = Decimal("0.0001")
CENT = Decimal("0.01")
_ISSUING = frozenset({EntryKind.EARN, EntryKind.PENDING_EARN, EntryKind.BONUS})


class Delta(NamedTuple):
    day: date
    name: str
    amount: Decimal


def entry_deltas(entries: Iterable[LedgerEntry]) -> list[Delta]:
    """What the entries add to their days' points counters (merges move points between members: nothing)."""
    found: list[Delta] = []
    for e in entries:
        moved = Decimal(e.points + e.pending_points)
        day = e.occurred_at.date()
        if e.kind in _ISSUING or (e.kind is EntryKind.ADJUST and moved > 0):
            found.append(Delta(day, ISSUED, moved))
        elif e.kind is EntryKind.REVERSE or (e.kind is EntryKind.ADJUST and moved < 0):
            found.append(Delta(day, REVERSED, -moved))
        elif e.kind is EntryKind.REDEEM:
            found.append(Delta(day, REDEEMED, -moved))
            if moved < 0:
                found.append(Delta(day, REDEMPTIONS, Decimal(1)))
        elif e.kind is EntryKind.EXPIRE:
            found.append(Delta(day, EXPIRED, -moved))
    return [d for d in found if d.amount]


def tier_deltas(change: TierChange | None, order: Sequence[str]) -> list[Delta]:
    """A move between tiers (`order`: the program's tier names, lowest first), on the day it was made."""
    if change is None or change.new == change.old:
        return []
    rank = {name: i for i, name in enumerate(order)}
    up = rank.get(change.new, 0) > rank.get(change.old, 0)
    return [Delta(change.at.date(), TIER_UP if up else TIER_DOWN, Decimal(1))]


def mail_delta(at: datetime, what: str, message_kind: str) -> Delta:
    """One message of `message_kind` sent, delivered, opened (first time) or one person's click, on its day."""
    return Delta(at.date(), f"{MAIL}{what}:{message_kind}", Decimal(1))


def mail_by_kind(days: Days, p: Period) -> dict[str, dict[str, int]]:
    """Message kind → sent, delivered, opened and clicked in the period."""
    found: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(MAIL_COUNTS, 0))
    for day, names in days.items():
        if p.first <= day <= p.last:
            for name, value in names.items():
                what, _, kind = name[len(MAIL):].partition(":")
                if name.startswith(MAIL) and what in MAIL_COUNTS and kind:
                    found[kind][what] += int(value)
    return dict(sorted(found.items()))


def purchase_events(days: Iterable[date]) -> list[tuple[date, str]]:
    """The purchase events of one customer's purchase days (module docstring)."""
    ordered = sorted(set(days))
    events = [(day, f"{GAP}{(day - before).days}") for before, day in pairwise(ordered)]
    if ordered:
        events.append((ordered[0], FIRST))
    if len(ordered) > 1:
        events.append((ordered[1], f"{SECOND}{(ordered[1] - ordered[0]).days}"))
    return events


def purchase_deltas(days_before: Iterable[date], day: date, value: Decimal) -> list[Delta]:
    """A purchase on `day` worth `value` (negative for a refund) by a customer whose purchase days were
    `days_before`: the revenue, and the change in the customer's purchase events when `day` is new."""
    before = set(days_before)
    found = [Delta(day, REVENUE, value)] if value else []
    if day in before:
        return found
    counts: dict[tuple[date, str], int] = defaultdict(int)
    for event in purchase_events(before | {day}):
        counts[event] += 1
    for event in purchase_events(before):
        counts[event] -= 1
    return found + [Delta(d, name, Decimal(n)) for (d, name), n in sorted(counts.items()) if n]


def merge_deltas(source_days: Iterable[date], target_days: Iterable[date]) -> list[Delta]:
    """Two members found to be one customer: the purchase events of their days together, less each one's own.
    (The revenue is the same either way.)"""
    source, target = set(source_days), set(target_days)
    counts: dict[tuple[date, str], int] = defaultdict(int)
    for event in purchase_events(source | target):
        counts[event] += 1
    for event in [*purchase_events(source), *purchase_events(target)]:
        counts[event] -= 1
    return [Delta(d, name, Decimal(n)) for (d, name), n in sorted(counts.items()) if n]


def by_day(deltas: Iterable[Delta]) -> dict[date, dict[str, Decimal]]:
    """The deltas summed per day and name, zeros dropped."""
    days: dict[date, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for d in deltas:
        days[d.day][d.name] += d.amount
    return {day: {n: v for n, v in names.items() if v} for day, names in sorted(days.items())
            if any(names.values())}


Days = Mapping[date, Mapping[str, Decimal]]


def _sum(days: Days, name: str, first: date, last: date) -> Decimal:
    return sum((names.get(name, Decimal(0)) for day, names in days.items() if first <= day <= last), Decimal(0))


def _events(days: Days, prefix: str, first: date, last: date) -> Iterable[tuple[date, int, Decimal]]:
    """(day, n, count) of the `<prefix><n>` events on the days from `first` to `last`."""
    for day, names in days.items():
        if first <= day <= last:
            for name, count in names.items():
                if name.startswith(prefix) and name[len(prefix):].isdigit():
                    yield day, int(name[len(prefix):]), count


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    def days_list(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(self.days)]


def customers_new(days: Days, p: Period) -> int:
    return int(_sum(days, FIRST, p.first, p.last))


def customers_active(days: Days, p: Period) -> int:
    """Customers with a purchase day in the period: their first purchase day in it is a first or a gap event
    reaching back before the period."""
    back = sum((c for day, n, c in _events(days, GAP, p.first, p.last) if day - timedelta(days=n) < p.first),
               Decimal(0))
    return customers_new(days, p) + int(back)


def retained(days: Days, p: Period) -> int:
    """Customers with a purchase day in the previous period and one in this: their first purchase day in this
    period is a gap event reaching back into the previous period."""
    q = p.previous()
    return int(sum((c for day, n, c in _events(days, GAP, p.first, p.last)
                    if q.first <= day - timedelta(days=n) <= q.last), Decimal(0)))


def repeated(days: Days, p: Period) -> int:
    """Customers whose first purchase day is in the period and whose second is too (so by its end)."""
    return int(sum((c for day, n, c in _events(days, SECOND, p.first, p.last) if day - timedelta(days=n) >= p.first),
                   Decimal(0)))


def rate(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(RATE_PLACES, ROUND_HALF_UP) if whole else None


@dataclass(frozen=True)
class Figures:
    """A period's figures from the day counters (module docstring; the README defines each in one sentence)."""

    customers_active: int
    customers_new: int
    retention_rate: Decimal | None
    repeat_purchase_rate: Decimal | None
    revenue: Decimal
    points_issued: int
    points_redeemed: int
    points_expired: int
    points_reversed: int
    redemptions: int
    tier_upgrades: int
    tier_downgrades: int
    points_outstanding: int
    redemption_rate: Decimal | None
    breakage_rate: Decimal | None
    expected_breakage: Decimal | None

    @property
    def customers_returning(self) -> int:
        return self.customers_active - self.customers_new

    def liability(self, point_value: Decimal) -> Decimal:
        """Outstanding points × point value × (1 − expected breakage): the IFRS 15 material right."""
        kept = Decimal(1) - (self.expected_breakage or Decimal(0))
        return (Decimal(self.points_outstanding) * point_value * kept).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class Totals:
    """All-time sums of the ledger counters up to a day (what the period's outstanding points start from)."""

    issued: Decimal = Decimal(0)
    redeemed: Decimal = Decimal(0)
    expired: Decimal = Decimal(0)
    reversed: Decimal = Decimal(0)

    def plus(self, days: Days, first: date, last: date) -> Totals:
        return Totals(*(total + _sum(days, name, first, last) for total, name in (
            (self.issued, ISSUED), (self.redeemed, REDEEMED), (self.expired, EXPIRED), (self.reversed, REVERSED))))

    @property
    def outstanding(self) -> Decimal:
        return self.issued - self.redeemed - self.expired - self.reversed


def figures(days: Days, p: Period, through_last: Totals) -> Figures:
    """The period's figures; `days` must hold every day of the period and of the one before it, and
    `through_last` the all-time totals up to the period's last day."""
    issued, redeemed = _sum(days, ISSUED, p.first, p.last), _sum(days, REDEEMED, p.first, p.last)
    expired = _sum(days, EXPIRED, p.first, p.last)
    new = customers_new(days, p)
    settled = through_last.expired + through_last.redeemed
    return Figures(
        customers_active=customers_active(days, p), customers_new=new,
        retention_rate=rate(retained(days, p), customers_active(days, p.previous())),
        repeat_purchase_rate=rate(repeated(days, p), new),
        revenue=_sum(days, REVENUE, p.first, p.last).quantize(CENT, ROUND_HALF_UP),
        points_issued=int(issued), points_redeemed=int(redeemed), points_expired=int(expired),
        points_reversed=int(_sum(days, REVERSED, p.first, p.last)),
        redemptions=int(_sum(days, REDEMPTIONS, p.first, p.last)),
        tier_upgrades=int(_sum(days, TIER_UP, p.first, p.last)),
        tier_downgrades=int(_sum(days, TIER_DOWN, p.first, p.last)),
        points_outstanding=int(through_last.outstanding),
        redemption_rate=rate(redeemed, issued), breakage_rate=rate(expired, issued),
        expected_breakage=rate(through_last.expired, settled),
    )


def day_series(days: Days, p: Period) -> list[tuple[date, dict[str, Decimal]]]:
    """Each day of the period with its ledger counters, new and returning customers (a customer's gap event on a
    day is their return) and revenue."""
    series = []
    for day in p.days_list():
        names = days.get(day, {})
        returning = sum((v for n, v in names.items() if n.startswith(GAP) and n[len(GAP):].isdigit()), Decimal(0))
        series.append((day, {"customers_new": names.get(FIRST, Decimal(0)), "customers_returning": returning,
                             "revenue": names.get(REVENUE, Decimal(0)),
                             **{f"points_{n}": names.get(n, Decimal(0)) for n in (ISSUED, REDEEMED, EXPIRED)}}))
    return series


def summed(rows: Sequence[Mapping[date, Mapping[str, Decimal]]]) -> dict[date, dict[str, Decimal]]:
    """Several shards' days added up."""
    total: dict[date, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in rows:
        for day, names in row.items():
            for name, value in names.items():
                total[day][name] += value
    return {day: dict(names) for day, names in total.items()}
