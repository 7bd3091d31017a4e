"""What the nightly journey run needs: the program's members shard by shard, the run's progress and files, the fitted
model, the queue its tasks travel through, and the write of each member's result."""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple, Protocol

from chalicelib.domain.journey import Change, Journey, Prediction, Rfm
from chalicelib.domain.ledger import Member
from chalicelib.services.ports.customer_model import FitStatus, FittedModels


class MemberPage(NamedTuple):
    members: list[Member]
    after: str | None              # the last member id read; None when the shard is done


class MemberShards(Protocol):
    shards: int

    def page(self, program_id: str, shard: int, after: str | None, limit: int) -> MemberPage:
        """Up to `limit` profiles of the shard after member id `after`, in member id order."""
        ...


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """One member's purchase facts as of the run (days in the shop's calendar)."""

    member_id: str
    x: int                         # repeat purchase days
    t_x_days: int                  # first purchase day → last
    age_days: int                  # first purchase day → the run's day
    zbar: Decimal                  # mean value of the repeat purchase days
    total: Decimal                 # value of all purchase days (RFM's monetary)


@dataclass(frozen=True)
class ProgramModel:
    """The program's fit and population figures as of a run: what every member is scored against."""

    as_of: datetime
    status: FitStatus
    customers: int                 # members with a purchase day by the run's day
    repeat_customers: int
    models: FittedModels | None
    reason: str | None
    recency_cuts: tuple[int, ...]      # RFM score breakpoints (see domain.rfm.breakpoints)
    frequency_cuts: tuple[int, ...]
    monetary_cuts: tuple[Decimal, ...]
    median_gap_days: float | None      # median of repeat customers' average gaps, for one-order customers
    previous_as_of: datetime | None = None   # the last completed run before this one (the map's touch windows)


@dataclass(frozen=True)
class MemberResult:
    """What a run sets on one member; written only while the member's profile is still at the version it read (an
    order meanwhile wins, and the next run judges the member again)."""

    member_id: str
    version_read: int
    journey: Journey | None
    changes: tuple[Change, ...]
    rfm: Rfm | None
    prediction: Prediction | None
    evaluated_at: datetime
    crm_moved: bool = False        # a fact the CRMs show moved (stage, state, RFM segment): mark for the CRM sync
    seen: tuple[str, str | None] | None = None     # (stage, state) as this run saw them: the next run's baseline


class JourneyStore(Protocol):
    def begin(self, program_id: str, as_of: datetime, shards: int) -> bool:
        """Record a run as of `as_of`; False when that run exists already (the schedule fired twice)."""
        ...

    def shard_done(self, program_id: str, as_of: datetime, phase: str, shard: int) -> bool:
        """Mark the shard done in the phase; True for exactly one call: the one that completes the phase."""
        ...

    def save_rows(self, program_id: str, as_of: datetime, part: str, rows: Sequence[SummaryRow]) -> None: ...

    def rows(self, program_id: str, as_of: datetime) -> Iterator[SummaryRow]:
        """Every row the run's shards saved (a member may appear twice after a retried task: the caller dedupes)."""
        ...

    def save_model(self, program_id: str, model: ProgramModel) -> None: ...

    def model(self, program_id: str, as_of: datetime | None = None) -> ProgramModel | None:
        """The model of the run as of `as_of`, or the latest one."""
        ...

    def record(self, program_id: str, result: MemberResult, now: datetime) -> bool:
        """Write the result; False when the member's profile moved since it was read (an order won the race). `now`
        (the clock's) files a CRM sync mark in the Due index."""
        ...

    def count(self, program_id: str, as_of: datetime, counts: Iterable[tuple[str, int]]) -> None:
        """Add a shard's member counts (built-in segment name → members) to the run's totals."""
        ...

    def previous_run(self, program_id: str, before: datetime) -> datetime | None:
        """The as_of of the latest run before `before` whose apply phase completed."""
        ...

    def latest_counts(self, program_id: str) -> tuple[datetime, dict[str, int]] | None:
        """The member counts of the latest run whose apply phase completed, and its as_of."""
        ...

    def runs(self, program_id: str, start: datetime, end: datetime) -> list[tuple[datetime, dict[str, int]]]:
        """The counts of every completed run whose as_of is from `start` to `end`, oldest first."""
        ...


class TaskQueue(Protocol):
    def send(self, tasks: Sequence[dict[str, object]]) -> None: ...
