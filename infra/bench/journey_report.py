"""The journey section of the bench's output: per night and phase the cost beside the floor, the extrapolation to
1,000,000 members, and what the award path adds to `orders/paid`."""
from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from chalicelib.services.journey_run import PAGE
from infra.bench.journey import (
    FIRST_NIGHT,
    LAMBDA_GB_SECOND,
    LAMBDA_MEMORY_GB,
    NEXT_NIGHT,
    RRU_PRICE,
    TARGET,
    WRU_PRICE,
    Cost,
    Fit,
    JourneyResults,
    Night,
)
from infra.bench.report import markdown
from infra.bench.runner import KindResult

MIB = 1024 * 1024
LAMBDA_SECONDS = 900 - 60     # handle_journey's timeout, less the margin a task keeps to save and continue
COLUMNS = ("members", "phase", "tasks", "round trips", "RRU", "WRU est. (Local)", "items written", "seconds",
           "RRU / member", "WRU / member", "seconds ÷ floor", "median shard task s", "peak MiB (last shard's task)")
NOTE = ("Nightly journey run: chalicelib.services.journey_run.start, then run_task for every queued task until none "
        "is left (summarise 32 shards → fit → apply 32 shards), in-process with DynamoDBMemberShards and "
        "DynamoDBJourneyStore on DynamoDB Local, a list as the queue, ScipyCustomerModel, ProgramRules(); the summary "
        "files go through the store's own gzip CSV code to an in-memory S3 stand-in (put/get/list). Profiles bulk-"
        "loaded untimed as the award path leaves them: purchase days drawn from BG/NBD + Gamma-Gamma with the CDNOW "
        "estimates (about 60 % one day, a tail up to 150; mean ~$35 a day), 10 % prospects. RRU: DynamoDB Local's "
        "ConsumedCapacity (matches the estimate by item size: 0.5 per profile read eventually consistent). WRU: "
        "estimated by item size as for the worker (x2 in transactions; in brackets what DynamoDB Local reported, "
        "which does not double transactions). Floor: every profile read once through the Members index, 100 per "
        "Query + BatchGetItem, nothing decoded or written. The last shard's tasks run under tracemalloc (their "
        "peak); the median shard task is over the other shards.")


def _row(night: Night, name: str, cost: Cost) -> tuple[str, ...]:
    n, floor = night.members, night.floor.seconds
    median = f"{statistics.median(cost.task_seconds):.2f}" if cost.task_seconds else "–"
    peak = f"{cost.peak_bytes / MIB:.1f}" if cost.peak_bytes else "–"
    return (f"{n:,}", name, str(cost.tasks), f"{cost.round_trips:,}", f"{cost.read_units:,.0f}",
            f"{cost.est_write_units:,.0f} ({cost.write_units:,.0f})", f"{cost.items_written:,}", f"{cost.seconds:.1f}",
            f"{cost.read_units / n:.3f}", f"{cost.est_write_units / n:.3f}", f"{cost.seconds / floor:.2f}", median,
            peak)


def table(results: JourneyResults) -> str:
    rows = []
    for night in results.nights:
        if night.label == FIRST_NIGHT:
            rows.append(_row(night, "floor (read every profile)", night.floor))
        rows += [_row(night, f"{name} ({night.label})", cost) for name, cost in night.phases.items() if name != "start"]
        rows.append(_row(night, f"whole run ({night.label})", night.total))
    return markdown([COLUMNS, *rows], left=frozenset({1}))


def _growth(fits: Sequence[Fit], value: str) -> tuple[float, float]:
    """The exponent k of value ∝ summaries^k between the two fits, and the value at TARGET summaries."""
    small, large = sorted(fits, key=lambda f: f.summaries)[:2]
    a, b = getattr(small, value), getattr(large, value)
    k = math.log(b / a) / math.log(large.summaries / small.summaries) if a > 0 and b > 0 else 1.0
    return k, b * (TARGET / large.summaries) ** k


def lines(results: JourneyResults) -> list[str]:
    out: list[str] = []
    for night in results.nights:
        total = night.total
        out.append(f"{night.label}, {night.members:,} members ({night.customers:,} with a purchase day) loaded in "
                   f"{night.load_seconds:.1f} s; {night.tasks_sent} tasks queued; S3 stand-in: "
                   f"{dict(night.s3_requests)}, {night.s3_bytes / 1024:.0f} KiB of summaries; "
                   f"{total.round_trips / night.members:.3f} round trips and "
                   f"{total.items_written / night.members:.3f} items written per member; calls {dict(total.calls)}"
                   + (f"; FAILED {dict(total.failed)}" if total.failed else ""))
    for fit in results.fits:
        out.append(f"Fit alone on {fit.summaries:,} summaries: {fit.seconds:.2f} s, peak {fit.peak_bytes / MIB:.1f} "
                   f"MiB (tracemalloc), {fit.status}")
    first = [n for n in results.nights if n.label == FIRST_NIGHT]
    if len(first) > 1:
        small, large = first[0], first[-1]
        for phase in ("summarise", "apply"):
            a, b = small.phases[phase], large.phases[phase]
            if a.task_seconds and b.task_seconds and a.peak_bytes:
                growth = statistics.median(b.task_seconds) / statistics.median(a.task_seconds)
                out.append(f"{phase}: median shard task {growth:.1f}x "
                           f"and last-shard peak memory {b.peak_bytes / a.peak_bytes:.2f}x for "
                           f"{large.members / small.members:.0f}x the members")
    return out + extrapolation(results)


def extrapolation(results: JourneyResults) -> list[str]:
    largest = max(n.members for n in results.nights)
    night = next(n for n in results.nights if n.members == largest and n.label == FIRST_NIGHT)
    total, scale = night.total, TARGET / night.members
    out = [f"Extrapolated to {TARGET:,} members from {night.members:,} (every phase but the fit is linear in the "
           f"members: a page of {PAGE} costs the same wherever it is; the fit and the run's bookkeeping are a few "
           "calls):"]
    for each in (n for n in results.nights if n.members == largest):
        rru, wru = each.total.read_units * scale, each.total.est_write_units * scale
        dollars = (rru * RRU_PRICE + wru * WRU_PRICE) / 1e6
        out.append(f"  DynamoDB, {each.label}: {rru / 1e6:.2f} M RRU + {wru / 1e6:.2f} M WRU = ${dollars:.2f} on "
                   f"demand (${RRU_PRICE} per M RRU, ${WRU_PRICE} per M WRU: practice.md §12)"
                   + (f"; about ${dollars * 30:.0f} a month of such nights" if each.label == NEXT_NIGHT else ""))
    for phase in ("summarise", "apply"):
        cost = night.phases[phase]
        if not cost.task_seconds:
            continue
        shard = statistics.median(cost.task_seconds) * scale
        tasks = math.ceil(shard / LAMBDA_SECONDS)
        out.append(f"  {phase}: {shard:.0f} s per shard with the 32 shards in parallel (median shard task at "
                   f"{night.members:,} x {scale:.0f}); {tasks} task(s) per shard within handle_journey's 900 s")
    k_s, seconds = _growth(results.fits, "seconds")
    k_m, peak = _growth(results.fits, "peak_bytes")
    out.append(f"  fit: {seconds:.1f} s and {peak / MIB:.0f} MiB at {TARGET:,} summaries (time ∝ n^{k_s:.2f}, "
               f"memory ∝ n^{k_m:.2f} from {results.fits[0].summaries:,} to {results.fits[-1].summaries:,})")
    lambda_seconds = total.seconds * scale
    out.append(f"  Lambda at 1,769 MB if AWS took as long as DynamoDB Local: {lambda_seconds / 3600:.1f} h of tasks, "
               f"${lambda_seconds * LAMBDA_MEMORY_GB * LAMBDA_GB_SECOND:.2f} per night (x86 "
               f"${LAMBDA_GB_SECOND} per GB-s); SQS: {night.tasks_sent} tasks, a few cents a month")
    return out


BEFORE = {"orders/paid": (3, 5, 15.0), "orders/paid (returning customer)": (2, 6, 14.75)}   # README before the run


def award_lines(results: Sequence[KindResult]) -> list[str]:
    """What the journey added to the award path: orders/paid against the figures before it (README)."""
    out = []
    for result in results:
        if result.kind not in BEFORE or not result.events:
            continue
        cost, n = result.cost, result.events
        now = (sum(cost.calls.values()) / n, cost.items_written / n, (cost.table_units + cost.index_units) / n)
        was = BEFORE[result.kind]
        out.append(f"{result.kind}: {now[0]:.2f} round trips / {now[1]:.2f} items / {now[2]:.2f} WRU per event; "
                   f"before the journey {was[0]} / {was[1]} / {was[2]}: "
                   f"{now[0] - was[0]:+.2f} / {now[1] - was[1]:+.2f} / {now[2] - was[2]:+.2f}")
    return out


def as_json(results: JourneyResults) -> dict[str, Any]:
    def cost(c: Cost) -> dict[str, Any]:
        return {**asdict(c), "calls": dict(c.calls), "failed": dict(c.failed), "round_trips": c.round_trips}
    return {"note": NOTE, "fits": [asdict(f) for f in results.fits], "extrapolation": extrapolation(results),
            "nights": [{"members": n.members, "customers": n.customers, "load_seconds": n.load_seconds,
                        "floor": cost(n.floor), "phases": {k: cost(v) for k, v in n.phases.items()},
                        "total": cost(n.total), "s3_requests": dict(n.s3_requests), "s3_bytes": n.s3_bytes,
                        "tasks_sent": n.tasks_sent, "segments": n.segments} for n in results.nights]}
