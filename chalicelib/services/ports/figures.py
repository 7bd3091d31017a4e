"""Where the day counters live (adapters/dynamodb_figures.py; domain/figures.py says what they count)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Protocol

from chalicelib.domain.figures import Totals


class FigureStore(Protocol):
    def days(self, program_id: str, first: date | None, last: date) -> dict[date, dict[str, Decimal]]:
        """The counters of the days from `first` (None: the first day there is) to `last`, every shard added up."""
        ...

    def totals(self, program_id: str, before: date) -> tuple[date, Totals] | None:
        """The latest month totals of a month before `before`'s month: (the month's last day, the totals)."""
        ...

    def save_totals(self, program_id: str, months: Sequence[tuple[date, Totals]]) -> None: ...
