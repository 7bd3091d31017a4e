"""Tiers on qualifying spend over a rolling 12 months: up as soon as reached, down only at the yearly review."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from chalicelib.domain.program import ProgramRules

WINDOW_MONTHS = 12


def month_key(at: datetime) -> str:
    return f"{at.year:04d}-{at.month:02d}"


def months_back(at: datetime, count: int) -> list[str]:
    """The month keys of `at`'s month and the `count - 1` months before it."""
    index = at.year * 12 + at.month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


def rolling_spend(spend: Mapping[str, Decimal], at: datetime) -> Decimal:
    return sum((spend.get(m, Decimal(0)) for m in months_back(at, WINDOW_MONTHS)), Decimal(0))


def add_months(at: datetime, months: int) -> datetime:
    index = at.year * 12 + at.month - 1 + months
    year, month = divmod(index, 12)
    day = min(at.day, [31, 29 if _leap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month])
    return at.replace(year=year, month=month + 1, day=day)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


@dataclass(frozen=True)
class TierChange:
    old: str
    new: str
    at: datetime
    review_at: datetime


def upgrade(rules: ProgramRules, current: str, spend: Mapping[str, Decimal], at: datetime) -> TierChange | None:
    """A move up when the rolling spend now reaches a higher tier; never a move down."""
    reached = rules.tier_for(rolling_spend(spend, at))
    if _rank(rules, reached.name) <= _rank(rules, current):
        return None
    return TierChange(current, reached.name, at, add_months(at, WINDOW_MONTHS))


def review(rules: ProgramRules, current: str, spend: Mapping[str, Decimal], at: datetime) -> TierChange:
    """The yearly review: the tier the last 12 months earn, up or down; the next review a year on."""
    reached = rules.tier_for(rolling_spend(spend, at))
    return TierChange(current, reached.name, at, add_months(at, WINDOW_MONTHS))


def _rank(rules: ProgramRules, name: str) -> int:
    names = [t.name for t in rules.tiers]
    return names.index(name) if name in names else 0
