"""The nightly journey run of one program, as of one time, in three phases over the member shards.

1. summarise: each shard's members → their purchase summaries (a file per task, in the store);
2. fit: once every shard is summarised, the customer model is fitted on all summaries and the RFM breakpoints and the
   program's median gap between orders are taken from them (one task);
3. apply: each shard's members are scored: predictions, RFM scores and segment, the journey state by their p_alive
   (fitted model) or their cadence (no model), written when anything a merchant reads moved.

Every task is a queue message; a task whose function runs short of time saves what it did and sends its own
continuation, so a shard of any size finishes, and the shards run in parallel. A task may run twice (the queue delivers
at least once): summaries are deduplicated by member at the fit, a phase completes once, and a member's result is
written only while its profile is at the version read.

Time comes from the run's `as_of` only (the schedule's event time), never from a clock: `make job JOB=journey AT=...`
runs it as of any time. A purchase day counts when it falls on or before as_of's UTC date.
"""
from __future__ import annotations

import json
import math
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

from chalicelib.domain import journey, rfm, segment_rules
from chalicelib.domain.cohorts import cohort_counts
from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.journey import Journey, Prediction, Rfm
from chalicelib.domain.ledger import Member
from chalicelib.domain.program import ProgramRules
from chalicelib.domain.purchase_history import DAYS_PER_WEEK, PurchaseSummary
from chalicelib.domain.segment_rules import SegmentDefinition
from chalicelib.services import segment_lists
from chalicelib.services.campaign_run import Entries
from chalicelib.services.journey_map import map_counts, touch_counts
from chalicelib.services.ports.campaigns import CampaignStore
from chalicelib.services.ports.clock import Clock
from chalicelib.services.ports.customer_model import DEFAULT_MINIMUM, FITTED, CustomerModel, FittedModels
from chalicelib.services.ports.journey import (
    JourneyStore,
    MemberResult,
    MemberShards,
    ProgramModel,
    SummaryRow,
    TaskQueue,
)
from chalicelib.services.ports.programs import RulesSource
from chalicelib.services.ports.segments import SegmentStore

SUMMARISE, FIT, APPLY = "summarise", "fit", "apply"
PHASES = (SUMMARISE, FIT, APPLY)
PUBLISH = "publish"                      # once the last apply shard is done: the HubSpot lists (segment_lists.py)
PAGE = 100                               # members read per round trip
HORIZON_DAYS = 365                       # predictions are for the 365 days after as_of


@dataclass(frozen=True)
class Task:
    program_id: str
    as_of: datetime
    phase: str
    shard: int = 0
    after: str | None = None             # continue the shard after this member id

    def body(self) -> dict[str, object]:
        return {"program_id": self.program_id, "as_of": self.as_of.isoformat(), "phase": self.phase,
                "shard": self.shard, "after": self.after}


@dataclass(frozen=True)
class JourneyDeps:
    members: MemberShards
    store: JourneyStore
    queue: TaskQueue
    model: Callable[[], CustomerModel]      # built when first needed: only the fit and apply tasks load numpy/scipy
    rules: RulesSource
    clock: Clock                            # files CRM sync marks (business time is the run's as_of)
    segments: SegmentStore | None = None    # merchant-defined segments, counted by the apply phase
    lists: segment_lists.ListDeps | None = None     # HubSpot lists mirroring chosen segments
    campaigns: CampaignStore | None = None  # members enter active campaigns at the apply phase
    time_zone: Callable[[str], str] = lambda program_id: "UTC"     # the program's: birthdays, anniversaries


def parse_task(body: str) -> Task:
    """A queued task; anything else is refused (and so ends in the dead-letter queue, never silently dropped)."""
    try:
        raw = json.loads(body)
        task = Task(str(raw["program_id"]), datetime.fromisoformat(raw["as_of"]), str(raw["phase"]),
                    int(raw["shard"]), raw["after"] if raw.get("after") is None else str(raw["after"]))
    except (ValueError, KeyError, TypeError) as e:
        raise InvalidRequest(f"not a journey task: {e}") from e
    if task.phase not in (*PHASES, PUBLISH) or task.as_of.tzinfo is None:
        raise InvalidRequest("not a journey task: unknown phase or a time without offset")
    return task


def start(program_id: str, as_of: datetime, deps: JourneyDeps) -> dict[str, int | bool]:
    """Begin the run as of `as_of`: one summarise task per shard. A second start of the same run does nothing."""
    shards = deps.members.shards
    if not deps.store.begin(program_id, as_of, shards):
        return {"started": False}
    deps.queue.send([Task(program_id, as_of, SUMMARISE, shard).body() for shard in range(shards)])
    return {"started": True, "shards": shards}


def run_task(task: Task, deps: JourneyDeps, should_stop: Callable[[], bool] = lambda: False) -> dict[str, int]:
    if task.phase == FIT:
        return fit(task.program_id, task.as_of, deps)
    if task.phase == PUBLISH:
        return segment_lists.publish(task.program_id, task.as_of, deps.lists) if deps.lists else {}
    return _walk(task, deps, should_stop)


def _walk(task: Task, deps: JourneyDeps, should_stop: Callable[[], bool]) -> dict[str, int]:
    """Summarise or apply one shard from `task.after` on, until it ends or the time runs short."""
    rules = deps.rules.rules_at(task.program_id, task.as_of)
    model = deps.store.model(task.program_id, task.as_of) if task.phase == APPLY else None
    if task.phase == APPLY and model is None:
        raise LookupError(f"no model for the run as of {task.as_of.isoformat()}: the fit has not run")
    custom = deps.segments.list(task.program_id) if deps.segments and model else []   # once a task
    lists = segment_lists.collector(task.program_id, task.as_of, deps.lists) if model else None
    entries = Entries.load(task.program_id, deps.campaigns, custom, ZoneInfo(deps.time_zone(task.program_id)),
                           model.previous_as_of or task.as_of - timedelta(days=1)) \
        if model and deps.campaigns else None
    rows: list[SummaryRow] = []
    counts: Counter[str] = Counter()
    written = read = 0
    after = task.after
    while True:
        page = deps.members.page(task.program_id, task.shard, after, PAGE)
        live = [m for m in page.members if m.merged_into is None and m.erased_at is None]
        read += len(live)
        if model is None:
            rows += [row for row in (summary_row(m, task.as_of) for m in live) if row is not None]
        else:
            written += _apply_page(task, live, model, rules, deps, custom, counts, lists, entries)
            counts.update(enrolment_counts(live, ZoneInfo(deps.time_zone(task.program_id))))
        after = page.after
        if after is None or should_stop():
            break
    if task.phase == SUMMARISE:
        deps.store.save_rows(task.program_id, task.as_of, f"{task.shard:03d}-{task.after or 'start'}", rows)
    else:
        segment_lists.save(task.program_id, task.as_of, f"{task.shard:03d}-{task.after or 'start'}", lists,
                           deps.lists, counts)
        deps.store.count(task.program_id, task.as_of, sorted(counts.items()))
    if after is not None:
        deps.queue.send([Task(task.program_id, task.as_of, task.phase, task.shard, after).body()])
    elif deps.store.shard_done(task.program_id, task.as_of, task.phase, task.shard):
        if task.phase == SUMMARISE:
            deps.queue.send([Task(task.program_id, task.as_of, FIT).body()])
        elif lists is not None:              # the run collected for HubSpot lists
            deps.queue.send([Task(task.program_id, task.as_of, PUBLISH).body()])
    return {"members": read, "written": written}


def clv_counts(row: SummaryRow | None, prediction: Prediction | None) -> Counter[str]:
    """A customer's share of the program's mean CLV: the value of their purchase days so far, and the model's
    365-day prediction when it made one (cents)."""
    if row is None:
        return Counter()
    found = Counter({"clv:customers": 1, "clv:historic_cents": _cents(row.total)})
    if prediction is not None:
        found.update({"clv:predicted_customers": 1, "clv:predicted_cents": _cents(prediction.predicted_clv_365d)})
    return found


def _cents(amount: Decimal) -> int:
    return int((amount * 100).quantize(Decimal(1), ROUND_HALF_EVEN))


def enrolment_counts(members: Sequence[Member], zone: ZoneInfo) -> Counter[str]:
    """`members` (live members), `enrolled:<YYYY-MM-DD>`, the day each profile was made in the program's zone, and
    `tier:<name>`, the members in each tier."""
    found = Counter(f"enrolled:{m.created_at.astimezone(zone).date().isoformat()}" for m in members)
    found.update(f"tier:{m.tier}" for m in members)
    found["members"] = len(members)
    return found


def fit(program_id: str, as_of: datetime, deps: JourneyDeps) -> dict[str, int]:
    """Fit the program's model on every summary of the run, then start the apply phase on every shard."""
    by_member = {row.member_id: row for row in deps.store.rows(program_id, as_of)}
    rows = list(by_member.values())
    summaries = [PurchaseSummary(r.x, r.t_x_days, r.age_days, r.zbar) for r in rows]
    result = deps.model().fit(summaries, DEFAULT_MINIMUM)
    gaps = [r.t_x_days / r.x for r in rows if r.x > 0]
    deps.store.save_model(program_id, ProgramModel(
        as_of=as_of, status=result.status, customers=result.customers, repeat_customers=result.repeat_customers,
        models=result.models, reason=result.reason,
        recency_cuts=rfm.breakpoints([r.t_x_days - r.age_days for r in rows]),      # −days since the last order
        frequency_cuts=rfm.breakpoints([r.x + 1 for r in rows]),
        monetary_cuts=rfm.breakpoints([r.total for r in rows]),
        median_gap_days=statistics.median(gaps) if gaps else None,
        previous_as_of=deps.store.previous_run(program_id, as_of)))
    shards = deps.members.shards
    deps.queue.send([Task(program_id, as_of, APPLY, shard).body() for shard in range(shards)])
    return {"customers": result.customers}


def summary_row(member: Member, as_of: datetime) -> SummaryRow | None:
    """The member's purchase summary on as_of's day; None without a purchase day by then."""
    end = as_of.date()
    days = [day for day in member.order_days() if day <= end]
    if not days:
        return None
    values = [member.purchase_days[day] for day in days]
    x = len(days) - 1
    zbar = sum(values[1:], Decimal(0)) / x if x else Decimal(0)
    return SummaryRow(member.member_id, x, (days[-1] - days[0]).days, (end - days[0]).days, zbar, sum(values,
                                                                                                      Decimal(0)))


def _apply_page(task: Task, members: list[Member], model: ProgramModel, rules: ProgramRules, deps: JourneyDeps,
                custom: Sequence[SegmentDefinition], counts: Counter[str],
                lists: segment_lists.Collector | None = None, entries: Entries | None = None) -> int:
    rows = {m.member_id: row for m in members if (row := summary_row(m, task.as_of)) is not None}
    predictions = _predict(model.models, rows, task.as_of, deps.model()) if model.status == FITTED else {}
    since = model.previous_as_of or task.as_of - timedelta(days=1)      # touch windows closing since the last run
    written = 0
    for member in members:
        row = rows.get(member.member_id)
        result = evaluate(member, row, predictions.get(member.member_id), model, rules, task.as_of)
        where = result.journey or journey.start(member.created_at)
        built_in = built_in_segments(where, result.rfm)
        counts.update(built_in)
        seen = segment_rules.MemberView(member, where, result.rfm, result.prediction)
        matched = [s.name for s in custom if segment_rules.matches(s.match, seen, task.as_of)]
        counts.update(f"custom:{name}" for name in matched)
        if lists is not None:
            lists.add(member, built_in + matched)
        counts.update(map_counts(member.journey_seen, where, task.as_of))
        counts.update(cohort_counts(member.purchase_days, task.as_of.date()))
        counts.update(clv_counts(row, result.prediction))
        counts.update(touch_counts(member, where, result.changes, since, task.as_of, rules.journey.touch_window))
        if _moved(member, result) and deps.store.record(task.program_id, result, deps.clock.now()):
            written += 1
        if entries is not None and deps.campaigns is not None:
            entries.of(seen, task.as_of, deps.campaigns, deps.clock.now())
    return written


def evaluate(member: Member, row: SummaryRow | None, prediction: Prediction | None, model: ProgramModel,
             rules: ProgramRules, as_of: datetime) -> MemberResult:
    """What the run makes of one member: RFM against the population, the prediction, the journey state."""
    scores = _rfm(member, row, model)
    gap = timedelta(days=model.median_gap_days) if model.median_gap_days is not None else None
    # BG/NBD's p_alive is 1 for a customer without a repeat purchase (one can only drop out after a purchase), so it
    # says nothing of a one-order customer's silence: those are judged by the program's median gap instead.
    judged = prediction.p_alive if prediction and row is not None and row.x > 0 else None
    facts = journey.facts_from_days(member.purchase_days, as_of, member.tier != rules.tiers[0].name, rules.journey,
                                    p_alive=judged, program_median_gap=gap)
    current = member.journey or journey.start(member.created_at)
    step = journey.on_evaluation(current, facts, as_of, rules.journey)
    segment_moved = (scores.segment if scores else None) != (member.rfm.segment if member.rfm else None)
    where = step.journey
    return MemberResult(member.member_id, member.version, step.journey, step.changes, scores, prediction, as_of,
                        crm_moved=bool(step.changes) or segment_moved,
                        seen=(str(where.stage), str(where.state) if where.state else None))


def built_in_segments(where: Journey, scores: Rfm | None) -> list[str]:
    """The built-in segments a member is in: its stage, its state, its RFM segment."""
    found = [f"stage:{where.stage}"]
    if where.state is not None:
        found.append(f"state:{where.state}")
    if scores is not None:
        found.append(f"rfm:{scores.segment}")
    return found


def _rfm(member: Member, row: SummaryRow | None, model: ProgramModel) -> Rfm | None:
    if row is None:
        return None
    recency = rfm.score_of(row.t_x_days - row.age_days, model.recency_cuts)
    frequency = rfm.score_of(row.x + 1, model.frequency_cuts)
    monetary = rfm.score_of(row.total, model.monetary_cuts)
    segment = rfm.segment(recency, frequency, monetary).value
    before = member.rfm
    previous = (before.segment if before.segment != segment else before.previous_segment) if before else None
    return Rfm(recency, frequency, monetary, segment, previous)


def _predict(models: FittedModels | None, rows: dict[str, SummaryRow], as_of: datetime,
             model: CustomerModel) -> dict[str, Prediction]:
    if models is None or not rows:
        return {}
    ids = list(rows)
    found = model.predict(models, [PurchaseSummary(rows[i].x, rows[i].t_x_days, rows[i].age_days, rows[i].zbar)
                                   for i in ids], HORIZON_DAYS / DAYS_PER_WEEK)
    return {member_id: Prediction(
        p_alive=round(p.p_alive, 4), expected_orders_365d=round(p.expected_purchases, 2),
        predicted_clv_365d=Decimal(repr(p.predicted_value)).quantize(Decimal("0.01"), ROUND_HALF_EVEN),
        expected_next_order_at=_next_order(as_of, p.next_purchase_weeks))
        for member_id, p in zip(ids, found, strict=True)
        if all(math.isfinite(v) for v in (p.p_alive, p.expected_purchases, p.predicted_value))}


def _next_order(as_of: datetime, weeks: float | None) -> datetime | None:
    """The day the expected purchases reach one, as that day's start (predictions are by the day)."""
    if weeks is None:
        return None
    return journey.day_start(as_of.date() + timedelta(days=round(weeks * DAYS_PER_WEEK)))


def _moved(member: Member, result: MemberResult) -> bool:
    return bool(result.changes) or (result.rfm, result.prediction, result.seen) != (
        member.rfm, member.prediction, member.journey_seen)

