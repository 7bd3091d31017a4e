"""EventBridge schedule expressions: when does `rate(...)` or `cron(...)` fire next (UTC, minute resolution)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {m: i for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT",
                                       "NOV", "DEC"), start=1)}
_DAYS = {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], start=1)}  # AWS: 1 = Sunday
_SEARCH_DAYS = 366 * 5


def expression_text(expression: Any) -> str:
    """A Chalice `Rate`/`Cron` object or an expression string, as the string EventBridge gets."""
    return expression if isinstance(expression, str) else str(expression.to_string())


def next_fire(expression: Any, after: datetime) -> datetime:
    """The first firing time strictly after `after` (a rate counts from `after`)."""
    text = expression_text(expression).strip()
    after = after.astimezone(UTC) if after.tzinfo else after.replace(tzinfo=UTC)
    if rate := _RATE.match(text):
        value, unit = int(rate.group(1)), rate.group(2).rstrip("s")
        if value <= 0:
            raise ValueError(f"rate must be positive: {text}")
        return after + timedelta(seconds=value * _UNITS[unit])
    if cron := _CRON.match(text):
        return Cron.parse(cron.group(1)).next_after(after)
    raise ValueError(f"not a schedule expression: {text!r}")


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int] | None  # None: `?` (the day-of-week field decides)
    months: frozenset[int]
    weekdays: frozenset[int] | None  # AWS numbering, 1 = Sunday; None: `?`
    years: frozenset[int] | None  # None: any year

    @classmethod
    def parse(cls, fields_text: str) -> Cron:
        fields = fields_text.split()
        if len(fields) != 6:
            raise ValueError(f"cron() needs 6 fields (minutes hours day-of-month month day-of-week year): {fields}")
        minute, hour, dom, month, dow, year = fields
        return cls(
            minutes=_field(minute, 0, 59), hours=_field(hour, 0, 23),
            days=None if dom == "?" else _field(dom, 1, 31), months=_field(month, 1, 12, _MONTHS),
            weekdays=None if dow == "?" else _field(dow, 1, 7, _DAYS),
            years=None if year == "*" else _field(year, 1970, 2199),
        )

    def matches_day(self, day: datetime) -> bool:
        if day.month not in self.months or (self.years is not None and day.year not in self.years):
            return False
        weekday = day.isoweekday() % 7 + 1  # Python: Monday = 1 … Sunday = 7; AWS: Sunday = 1
        return (self.days is None or day.day in self.days) and (self.weekdays is None or weekday in self.weekdays)

    def next_after(self, after: datetime) -> datetime:
        start = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = start.replace(hour=0, minute=0)
        for _ in range(_SEARCH_DAYS):
            if self.matches_day(day):
                times = (day.replace(hour=h, minute=m) for h in sorted(self.hours) for m in sorted(self.minutes))
                found = next((t for t in times if t >= start), None)
                if found is not None:
                    return found
            day += timedelta(days=1)
        raise ValueError("cron expression never fires in the next five years")


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        values.update(_part(part.upper(), low, high, names or {}))
    return frozenset(values)


def _part(part: str, low: int, high: int, names: dict[str, int]) -> range:
    span, _, step_text = part.partition("/")
    step = int(step_text) if step_text else 1
    if span == "*":
        first, last = low, high
    elif "-" in span:
        first, last = (_value(v, names) for v in span.split("-", 1))
    else:
        first = _value(span, names)
        last = high if step_text else first
    if not (low <= first <= last <= high) or step <= 0:
        raise ValueError(f"cron field {part!r} is outside {low}-{high} or not supported (L, W and # are not)")
    return range(first, last + 1, step)


def _value(text: str, names: dict[str, int]) -> int:
    if text in names:
        return names[text]
    if not text.isdigit():
        raise ValueError(f"cron value {text!r} is not supported (L, W and # are not)")
    return int(text)
