"""Monthly cohorts by first order: who ordered again in each following month, and what a cohort's customers spent.

A customer's cohort is the month of their first purchase day (the shop's calendar day of the order, as the ledger
keeps it). Month k of a cohort is the k-th calendar month after it (month 0 is the cohort's own). The nightly run
counts, for every customer, one `cohort:<YYYY-MM>:customers`, one `cohort:<YYYY-MM>:m<k>` for each month k with a
purchase day, and `cohort:<YYYY-MM>:cents`, the value of all their purchase days in cents; `cohorts` turns those
counts into the retention triangle. Purchase days after the evaluation day are not counted.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

PREFIX = "cohort:"
SHARE_PLACES = 4


def month_key(day: date) -> str:
    return f"{day:%Y-%m}"


def months_between(first: date, later: date) -> int:
    """Calendar months from `first`'s month to `later`'s (0 for the same month)."""
    return (later.year - first.year) * 12 + later.month - first.month


def cohort_counts(purchase_days: Mapping[date, Decimal], through: date) -> Counter[str]:
    """One customer's contribution to the cohort counts, from their purchase days up to `through` (none: nothing)."""
    days = sorted(d for d in purchase_days if d <= through)
    if not days:
        return Counter()
    cohort = f"{PREFIX}{month_key(days[0])}"
    found: Counter[str] = Counter({f"{cohort}:customers": 1})
    found.update(f"{cohort}:m{k}" for k in sorted({months_between(days[0], d) for d in days}))
    cents = sum((purchase_days[d] for d in days), Decimal(0)) * 100
    found[f"{cohort}:cents"] = int(cents.quantize(Decimal(1), ROUND_HALF_EVEN))
    return found


@dataclass(frozen=True)
class Cohort:
    cohort: str                        # YYYY-MM
    customers: int
    retention: tuple[float, ...]       # share of the cohort with a purchase day in month 0, 1, … up to the run's month
    revenue_per_customer: Decimal      # the value of the cohort's purchase days ÷ its customers


def cohorts(counts: Mapping[str, int], through: date, first: str | None = None,
            last: str | None = None) -> list[Cohort]:
    """The cohorts the counts hold (of a run as of `through`), from month `first` to month `last` (YYYY-MM,
    inclusive; None: open), oldest first."""
    names = sorted({name.split(":")[1] for name in counts if name.startswith(PREFIX)})
    found = []
    for month in names:
        if (first is not None and month < first) or (last is not None and month > last):
            continue
        size = counts.get(f"{PREFIX}{month}:customers", 0)
        if not size:
            continue
        start = date.fromisoformat(f"{month}-01")
        shares = tuple(round(counts.get(f"{PREFIX}{month}:m{k}", 0) / size, SHARE_PLACES)
                       for k in range(months_between(start, through) + 1))
        revenue = (Decimal(counts.get(f"{PREFIX}{month}:cents", 0)) / 100 / size).quantize(Decimal("0.01"),
                                                                                         ROUND_HALF_EVEN)
        found.append(Cohort(month, size, shares, revenue))
    return found
