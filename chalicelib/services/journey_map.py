"""The journey map of a program: members per stage and state, the moves between them over a period, and how long
members have been in each stage. Counted by the nightly run, read from its records.

Each run counts, for every member, the cell (stage, state) it is in, the whole weeks since it entered its stage, and
the move since the previous run saw it (`journey_seen` on the profile): a stage or a state that differs from the one
that run saw. Moves are between nightly snapshots: a member who went first_time → repeat → loyal in one day counts as
first_time → loyal, and a member seen for the first time by a run counts no move. A period's moves are the sum of the
moves counted by the completed runs whose time falls in it.

Touchpoints: the members who entered a stage with a next one (prospect, first_time, repeat) are a cohort, counted by
the first run at or after the end of their first `touch_window` days in the stage. A member moved forward when it
entered a later stage within those days. The cohort is split by the kinds of message each member was sent in those
days (a member sent two kinds counts under both) and those sent none, so a merchant sees, per stage, whether the
members who got a message moved forward more often than those who got none. A member whose first order created it
was never a prospect (it enters first_time at once) and is not in the prospect cohort.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.journey import STAGES, Change, Journey, Stage, day_start
from chalicelib.domain.ledger import Member
from chalicelib.services.ports.journey import JourneyStore

NONE = "none"                  # the state of a member without a purchase day


def map_counts(seen: tuple[str, str | None] | None, where: Journey, as_of: datetime) -> list[str]:
    """What one member adds to the run's counts: its cell, its weeks in the stage, its move since the last run."""
    stage, state = str(where.stage), str(where.state) if where.state else NONE
    weeks = max((as_of - where.stage_since).days, 0) // 7
    found = [f"map:{stage}:{state}", f"dwell:{stage}:{weeks}"]
    if seen is None:
        return found
    if seen[0] != stage:
        found.append(f"move:stage:{seen[0]}:{stage}")
    if (seen[1] or NONE) != state:
        found.append(f"move:state:{seen[1] or NONE}:{state}")
    return found


def touch_counts(member: Member, where: Journey, changes: tuple[Change, ...], since: datetime, as_of: datetime,
                 window: timedelta) -> list[str]:
    """What one member adds to the touchpoint cohorts whose window closed after `since` and by `as_of`."""
    entered = dict(member.stage_entered) | {str(c.new): c.at for c in changes if c.kind == "stage"}
    entered.setdefault(str(where.stage), where.stage_since)
    entered.setdefault(Stage.PROSPECT.value, member.created_at)
    days = [day for day in member.order_days() if day <= as_of.date()]
    left_by = {Stage.PROSPECT: days[:1], Stage.FIRST_TIME: days[1:2]}    # orders that end the stage at the latest
    found: list[str] = []
    for i, stage in enumerate(STAGES[:-1]):
        start = entered.get(stage.value)
        if start is None or not since < start + window <= as_of:
            continue
        close = start + window
        later = [entered[s.value] for s in STAGES[i + 1:] if s.value in entered]
        left = min(later or [day_start(d) for d in left_by.get(stage, [])], default=None)
        if left is not None and left <= start:
            continue                                 # never in the stage, e.g. a customer made by its first order
        moved = left is not None and left <= close
        kinds = sorted(k for (s, k), at in member.touches.items() if s == stage.value and at <= close)
        for group in ("all", *([f"msg:{k}" for k in kinds] or ["none"])):
            name = f"tp:{stage.value}:{window.days}:{group}"
            found += [name, f"{name}:moved"] if moved else [name]
    return found


@dataclass(frozen=True)
class Cell:
    stage: str
    state: str | None
    members: int


@dataclass(frozen=True)
class Move:
    kind: str                  # "stage" or "state"
    old: str | None
    new: str | None
    members: int


@dataclass(frozen=True)
class Dwell:
    stage: str
    members: int
    median_weeks: int | None   # None when no member is in the stage


@dataclass(frozen=True)
class Reach:
    members: int
    moved_forward: int


@dataclass(frozen=True)
class Touchpoints:
    """A stage's cohorts whose touch window closed in the period: all, per message kind, and those sent none."""

    stage: str
    window_days: int
    entered: Reach
    messages: dict[str, Reach]
    no_message: Reach


@dataclass(frozen=True)
class JourneyMap:
    as_of: datetime | None     # the last completed run: the cells and weeks are its
    cells: list[Cell]
    moves: list[Move]
    dwell: list[Dwell]
    runs: int                  # completed runs in the period, whose moves are summed
    touchpoints: list[Touchpoints]


def journey_map(program_id: str, start: datetime, end: datetime, store: JourneyStore) -> JourneyMap:
    """The map as of the last completed run, with the moves counted by the runs from `start` to `end` (inclusive)."""
    latest = store.latest_counts(program_id)
    as_of, counts = latest if latest else (None, {})
    moves: Counter[tuple[str, str, str]] = Counter()
    touches: Counter[str] = Counter()
    runs = store.runs(program_id, start, end)
    for _, run in runs:
        for name, n in run.items():
            if name.startswith("move:"):
                _, kind, old, new = name.split(":")
                moves[(kind, old, new)] += n
            elif name.startswith("tp:"):
                touches[name] += n
    return JourneyMap(
        as_of=as_of,
        cells=[Cell(stage, None if state == NONE else state, n) for stage, state, n in _split(counts, "map")],
        moves=[Move(kind, _state(old), _state(new), n) for (kind, old, new), n in sorted(moves.items())],
        dwell=[_dwell(stage, counts) for stage in (s.value for s in STAGES)],
        runs=len(runs), touchpoints=_touchpoints(touches))


def _touchpoints(counts: Counter[str]) -> list[Touchpoints]:
    order = [s.value for s in STAGES]
    cohorts = sorted({(name.split(":")[1], int(name.split(":")[2])) for name in counts},
                     key=lambda c: (order.index(c[0]), c[1]))

    def reach(prefix: str) -> Reach:
        return Reach(counts[prefix], counts[f"{prefix}:moved"])

    found = []
    for stage, days in cohorts:
        base = f"tp:{stage}:{days}"
        kinds = sorted({name.split(":")[4] for name in counts if name.startswith(f"{base}:msg:")})
        found.append(Touchpoints(stage, days, reach(f"{base}:all"),
                                 {kind: reach(f"{base}:msg:{kind}") for kind in kinds}, reach(f"{base}:none")))
    return found


def _split(counts: dict[str, int], prefix: str) -> list[tuple[str, str, int]]:
    """(stage, second part, members) of the counts named `<prefix>:<stage>:<second part>`, in stage order."""
    found: list[tuple[str, str, int]] = []
    for name, n in counts.items():
        kind, stage, rest = [*name.split(":"), "", ""][:3]
        if kind == prefix and n:
            found.append((stage, rest, n))
    order = {s.value: i for i, s in enumerate(STAGES)}
    return sorted(found, key=lambda t: (order.get(t[0], len(order)), t[1]))


def _dwell(stage: str, counts: dict[str, int]) -> Dwell:
    weeks = sorted((int(w), n) for s, w, n in _split(counts, "dwell") if s == stage)
    total = sum(n for _, n in weeks)
    seen = 0
    for week, n in weeks:
        seen += n
        if 2 * seen >= total:
            return Dwell(stage, total, week)
    return Dwell(stage, 0, None)


def _state(value: str) -> str | None:
    return None if value == NONE else value
