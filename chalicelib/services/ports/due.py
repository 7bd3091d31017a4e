"""Time-driven work: the index of due items and the failures of their handlers."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True)
class DueItem:
    ref: str           # the domain key of the thing that is due, e.g. "shopify:<shop>:order:<id>"
    due_at: datetime


@dataclass(frozen=True)
class DueFailure:
    """A due item whose handler raised: its consecutive failures at one due time, and whether it was parked."""
    task: str
    ref: str
    due_at: datetime          # the occurrence that fails; the item due at another time starts again at 1
    attempts: int
    first_failed_at: datetime
    last_failed_at: datetime
    error: str                # the exception's class and message, short, without personal data
    parked_at: datetime | None = None


class DueWork(Protocol):
    """Time-driven work, found through an index of due items (never by scanning members)."""

    def due(self, program_id: str, task: str, until: datetime) -> list[DueItem]: ...

    def advance(self, program_id: str, task: str, cleared_before: date) -> None:
        """Days before `cleared_before` hold no more due work (never past today, never back)."""
        ...

    def failures(self, program_id: str, task: str) -> dict[str, DueFailure]:
        """The task's failing and parked items, by ref."""
        ...

    def record_failure(self, program_id: str, task: str, item: DueItem, at: datetime, error: str) -> int:
        """Count one more failure of the item at its due time; the consecutive failures so far."""
        ...

    def park(self, program_id: str, task: str, ref: str, at: datetime) -> None: ...

    def clear_failure(self, program_id: str, task: str, ref: str) -> None: ...

    def parked(self, program_id: str) -> list[DueFailure]:
        """The program's parked items, every task."""
        ...
