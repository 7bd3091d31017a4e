"""The campaign job section of the bench's output: the job section's table and warnings, and the scaling ratios."""
from __future__ import annotations

from typing import Any

from infra.bench import jobs_report
from infra.bench.jobs import RUNS, Scaling

NOTE = ("Campaign job scaling: chalicelib.services.campaign_run.run_campaigns (the `campaigns` job) with the adapters "
        "chalicelib.bootstrap builds, run twice per population on a fresh table: first (each entered member's "
        "`send` step is due: its message is created and the enrollment moves on to a 7-day wait) and steady state "
        "(the same time again: nothing due). The population is bulk-loaded as for the due-work job (untimed); the "
        "same number of members, spread over it, entered one active campaign (no holdout) an hour before. Round "
        "trips, items written and write units are counted as for the worker's events.")


def first_ratio(scaling: Scaling) -> float | None:
    """First-run round trips (the steps due) of the largest population over those of the smallest."""
    first = {r.population: r.round_trips for r in scaling.runs if r.run == RUNS[0]}
    if len(first) < 2 or not first[min(first)]:
        return None
    return first[max(first)] / first[min(first)]


def table(scaling: Scaling) -> str:
    return jobs_report.job_table(scaling)


def lines(scaling: Scaling) -> list[str]:
    """The job section's load times and warnings, then the campaign run's ratios in place of the due-work job's."""
    found = [line for line in jobs_report.job_lines(scaling) if not line.startswith("Steady-state round trips")]
    sizes = sorted(scaling.load_seconds)
    first, steady = first_ratio(scaling), scaling.steady_ratio()
    if first is not None:
        due = scaling.runs[0].due
        found.append(f"First campaign run round trips ({due} steps due), {sizes[-1]:,} members / {sizes[0]:,} "
                     f"members: {first:.2f} (expected about 1.0: the cost follows the steps due)")
    if steady is not None:
        found.append(f"Campaign run round trips, {sizes[-1]:,} members / {sizes[0]:,} members: {steady:.2f} "
                     "(expected about 1.0: steady state, never the number of members)")
    return found


def as_json(scaling: Scaling) -> dict[str, Any]:
    return {**jobs_report.as_json(scaling), "note": NOTE, "first_run_round_trip_ratio": first_ratio(scaling)}
