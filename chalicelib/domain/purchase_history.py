"""A customer's purchases as the purchase and spend models see them (Fader, Hardie and Lee's customer summary).

Purchases are counted by calendar day: several orders on one day are one purchase day, their values summed. Of the
days up to and including the day of `as_of`:
- `x` is the number of repeat purchase days (purchase days − 1),
- `t_x` the weeks from the first purchase day to the last (recency),
- `T` the weeks from the first purchase day to the day of `as_of` (the customer's age),
- `zbar` the mean value of the repeat purchase days (0 when x = 0; the first day is left out, as the spend model
  is fitted on repeat purchases only).
Later days are ignored; a customer whose first purchase day is after `as_of`'s day has no summary yet.

Which calendar a day belongs to is the program's time zone, passed explicitly: an order paid at 23:30 in New York
is on the next day in UTC, and the same history read in two zones may count a different number of days.

Days are whole numbers and kept as such, so grouping identical histories is exact; weeks are days / 7 as floats,
the unit the models are fitted in. Values stay `Decimal` (the engine's money): a day's sum is exact and `zbar` is
exact to 28 significant digits; the models convert it to a float themselves.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal

DAYS_PER_WEEK = 7


@dataclass(frozen=True)
class Purchase:
    at: datetime        # with its offset: a time without one has no calendar day
    value: Decimal


@dataclass(frozen=True)
class PurchaseSummary:
    x: int              # repeat purchase days
    t_x_days: int       # first purchase day → last purchase day
    age_days: int       # first purchase day → the day of as_of
    zbar: Decimal       # mean value of the repeat purchase days; 0 when x = 0

    @property
    def t_x(self) -> float:
        """Recency in weeks."""
        return self.t_x_days / DAYS_PER_WEEK

    @property
    def T(self) -> float:  # noqa: N802 - the models' own name for the customer's age
        """Weeks from the first purchase day to the day of as_of."""
        return self.age_days / DAYS_PER_WEEK


def local_day(moment: datetime, zone: tzinfo) -> date:
    """The calendar day `moment` falls on in `zone`."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a purchase time needs its offset to fall on a calendar day")
    return moment.astimezone(zone).date()


def daily_values(purchases: Iterable[Purchase], zone: tzinfo) -> dict[date, Decimal]:
    """The purchases' values summed per calendar day in `zone`."""
    days: dict[date, Decimal] = {}
    for purchase in purchases:
        day = local_day(purchase.at, zone)
        days[day] = days.get(day, Decimal(0)) + purchase.value
    return days


def summarize(purchases: Iterable[Purchase], as_of: datetime, zone: tzinfo) -> PurchaseSummary | None:
    """The customer's summary on `as_of`'s day in `zone`; None when no purchase day falls on or before it."""
    end = local_day(as_of, zone)
    days = {day: value for day, value in daily_values(purchases, zone).items() if day <= end}
    if not days:
        return None
    ordered = sorted(days)
    first, last = ordered[0], ordered[-1]
    x = len(ordered) - 1
    zbar = sum((days[day] for day in ordered[1:]), Decimal(0)) / x if x else Decimal(0)
    return PurchaseSummary(x=x, t_x_days=(last - first).days, age_days=(end - first).days, zbar=zbar)
