"""RFM: recency, frequency and monetary scores 1–5 per program, and the named segment they put a customer in.

Scores. Each dimension is scored over the program's customers with at least one order, 5 = best (recency: the
fewest days since the last order). A tie group takes the score of the lowest position it occupies: a customer's score
is the quintile of

    p = customers strictly worse / customers        score = floor(5 · p) + 1

that is, SQL's PERCENT_RANK, (rank − 1) / (n − 1) over the ascending order, with n in place of n − 1 (so p < 1):
scores are [0, 0.2) → 1, [0.2, 0.4) → 2, … [0.8, 1) → 5, computed in integers as 5 · worse // customers + 1. Equal
values always get the same score, a better value never a lower one, and the worst value always scores 1: the mass of
one-order customers is never split and, however large it is, its frequency score is 1, so first-time buyers can be
`new_customers` or `promising`. The cost is at the top: a tie group holding a share s of the customers scores
6 − ⌈5s⌉, so it scores 5 only when it is at most a fifth of them (4 up to 40 %, … 1 beyond 80 %), and with fewer than
5 customers no one scores 5 (2 customers: 1 and 3; 3: 1, 2, 4; 4: 1, 2, 3, 4). When every customer is equal there is
no exception: every score is 1, as it is when more than 80 % tie at the top. A neutral 3 was rejected: the equal
dimension that occurs in practice is a young program whose customers all have one order, where F = 1 is what a
merchant expects and 3 would keep `new_customers` empty and turn everyone into another segment the moment one customer
orders again; the price is that a program whose customers all ordered on the same day scores recency 1. Each dimension
costs one sort: O(n log n).

Segments. The bounds are the CRAN package `rfm`'s (`rfm_segment`, Rsquared Academy), evaluated in order, first match
wins, as that package does, with one change of order: in its order `new_customers` and `promising` lie wholly inside
`potential_loyalists` and `cant_lose_them` inside `at_risk`, so they could never match; here each is tried just
before the segment that contains it (a code matched by neither keeps the package's segment). The package calls a
code no row matches "Others"; here it is `hibernating`, the eleventh segment of the widely used 11-segment grid
(Putler's), so every code has a name. The fallback gathers mixed codes (e.g. 5-1-5: a recent single large order);
`UNMATCHED_CODES` lists them (36 of the 125).
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from itertools import groupby, product
from typing import Any

SCORES = range(1, 6)


class Segment(StrEnum):
    CHAMPIONS = "champions"
    LOYAL_CUSTOMERS = "loyal_customers"
    POTENTIAL_LOYALISTS = "potential_loyalists"
    NEW_CUSTOMERS = "new_customers"
    PROMISING = "promising"
    NEED_ATTENTION = "need_attention"
    ABOUT_TO_SLEEP = "about_to_sleep"
    AT_RISK = "at_risk"
    CANT_LOSE_THEM = "cant_lose_them"
    LOST = "lost"
    HIBERNATING = "hibernating"


# (segment, (R low, R high), (F low, F high), (M low, M high)) in evaluation order.
SEGMENT_BOUNDS: tuple[tuple[Segment, tuple[int, int], tuple[int, int], tuple[int, int]], ...] = (
    (Segment.CHAMPIONS, (4, 5), (4, 5), (4, 5)),
    (Segment.LOYAL_CUSTOMERS, (2, 5), (3, 5), (3, 5)),
    (Segment.NEW_CUSTOMERS, (4, 5), (1, 1), (1, 1)),
    (Segment.PROMISING, (3, 4), (1, 1), (1, 1)),
    (Segment.POTENTIAL_LOYALISTS, (3, 5), (1, 3), (1, 3)),
    (Segment.NEED_ATTENTION, (2, 3), (2, 3), (2, 3)),
    (Segment.ABOUT_TO_SLEEP, (2, 3), (1, 2), (1, 2)),
    (Segment.CANT_LOSE_THEM, (1, 1), (4, 5), (4, 5)),
    (Segment.AT_RISK, (1, 2), (2, 5), (2, 5)),
    (Segment.LOST, (1, 2), (1, 2), (1, 2)),
)


def _first_match(code: tuple[int, int, int]) -> Segment:
    for name, *bounds in SEGMENT_BOUNDS:
        if all(low <= score <= high for score, (low, high) in zip(code, bounds, strict=True)):
            return name
    return Segment.HIBERNATING


_BY_CODE = {code: _first_match(code) for code in product(SCORES, SCORES, SCORES)}
UNMATCHED_CODES = tuple(code for code, name in _BY_CODE.items() if name is Segment.HIBERNATING)


def segment(recency: int, frequency: int, monetary: int) -> Segment:
    """The named segment of a code of three scores 1–5."""
    try:
        return _BY_CODE[(recency, frequency, monetary)]
    except KeyError:
        raise ValueError(f"RFM scores must be 1–5, not {recency}-{frequency}-{monetary}") from None


@dataclass(frozen=True, slots=True)
class RfmInput:
    member_id: str
    recency_days: int          # whole days since the last order, as of the evaluation time (see `days_since`)
    frequency: int             # orders or distinct purchase days, at least 1
    monetary: Decimal          # money spent in the program's currency, e.g. the total or the mean per order

    def __post_init__(self) -> None:
        if self.recency_days < 0 or self.frequency < 1:
            raise ValueError(f"{self.member_id}: recency_days must be ≥ 0 and frequency ≥ 1")
        if not self.monetary.is_finite() or self.monetary < 0:
            raise ValueError(f"{self.member_id}: monetary must be a finite amount ≥ 0")


@dataclass(frozen=True, slots=True)
class RfmScore:
    recency: int
    frequency: int
    monetary: int
    segment: Segment


def days_since(last_order_at: datetime, as_of: datetime) -> int:
    """Whole days elapsed from the last order to `as_of` (0 on the day itself; never negative)."""
    return max((as_of - last_order_at).days, 0)


def quintile_scores(values: Sequence[Any]) -> list[int]:
    """The score 1–5 of each value (higher is better): the quintile of the share of values strictly below it."""
    count = len(values)
    by_value: dict[Hashable, int] = {}
    worse = 0
    for value, group in groupby(sorted(values)):
        equal = sum(1 for _ in group)
        by_value[value] = 5 * worse // count + 1
        worse += equal
    return [by_value[v] for v in values]


def score(customers: Iterable[RfmInput]) -> dict[str, RfmScore]:
    """Scores and segment per member id, over the whole population given (one program's customers)."""
    population = list(customers)
    if len({c.member_id for c in population}) != len(population):
        raise ValueError("each member may appear once")
    recency = quintile_scores([-c.recency_days for c in population])
    frequency = quintile_scores([c.frequency for c in population])
    monetary = quintile_scores([c.monetary for c in population])
    return {
        c.member_id: RfmScore(r, f, m, _BY_CODE[(r, f, m)])
        for c, r, f, m in zip(population, recency, frequency, monetary, strict=True)
    }


def breakpoints(values: Sequence[Any]) -> tuple[Any, ...]:
    """The four values that divide a population's scores (higher is better), so that one value is scored alone:
    `score_of(v, breakpoints(values))` equals `quintile_scores(values)` at v. Empty for an empty population.

    A value's score is 1 + the number of k in 1..4 with (values strictly below it) ≥ ⌈k·n/5⌉, and that count reaches
    m exactly when the value exceeds the m-th smallest value."""
    ordered = sorted(values)
    count = len(ordered)
    return tuple(ordered[-(-k * count // 5) - 1] for k in range(1, 5)) if count else ()


def score_of(value: Any, cuts: Sequence[Any]) -> int:
    """The score 1–5 of one value against a population's breakpoints."""
    return 1 + sum(1 for cut in cuts if value > cut)
