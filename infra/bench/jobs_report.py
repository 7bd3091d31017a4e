"""The job section of the bench's output: one row per population and run, the load times and the scaling ratio."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from infra.bench.jobs import Scaling
from infra.bench.report import markdown

COLUMNS = ("population", "due", "run", "round trips", "items written", "est. write units", "seconds")
NOTE = ("Due-work job scaling: chalicelib.services.jobs.expire_inactive with the adapters chalicelib.bootstrap builds, "
        "run twice per population on a fresh table: first (no cursor: the days since a week ago are read) and "
        "steady state (cursor set: today only). Each member has a profile and an `inactivity` due item, bulk-loaded "
        "with BatchWriteItem (untimed); the due members were last active 13 months ago and the rules expire after "
        "12. Round trips, items written and write units are counted as for the worker's events.")


def job_table(scaling: Scaling) -> str:
    rows = [(f"{r.population:,}", str(r.due), r.run, str(r.round_trips), str(r.items_written), str(r.write_units),
             f"{r.seconds:.3f}") for r in scaling.runs]
    return markdown([COLUMNS, *rows], left=frozenset({2}))


def job_lines(scaling: Scaling) -> list[str]:
    lines = [f"Population loaded in {seconds:.1f} s ({size:,} members, {2 * size:,} items)"
             for size, seconds in scaling.load_seconds.items()]
    lines += [f"WARNING: {r.population:,} members, {r.run} run: {r.failed} due item(s) failed" for r in scaling.runs
              if r.failed]
    lines += [f"WARNING: {r.population:,} members, {r.run} run: {r.done} of {r.due} due members handled"
              for r in scaling.runs if r.run == "first" and r.done != r.due]
    ratio = scaling.steady_ratio()
    if ratio is not None:
        sizes = sorted(scaling.load_seconds)
        lines.append(f"Steady-state round trips, {sizes[-1]:,} members / {sizes[0]:,} members: {ratio:.2f} "
                     "(expected about 1.0: the job's cost must not follow the population)")
    return lines


def as_json(scaling: Scaling) -> dict[str, Any]:
    runs = [{**asdict(r), "calls": dict(r.calls), "round_trips": r.round_trips} for r in scaling.runs]
    return {"note": NOTE, "runs": runs, "load_seconds": scaling.load_seconds,
            "steady_state_round_trip_ratio": scaling.steady_ratio()}
