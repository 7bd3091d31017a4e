"""Run scheduled functions once against the running local stack, as if their schedule fired at a given time.

Run: python -m infra.local.job --job NAME|all [--at 2026-05-01T03:00:00Z]
NAME is the Chalice function name (`@app.schedule(..., name=...)`) or the Python function's name.
"""
from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime

from chalice import Chalice

from infra.local.invoke import ScheduledJob, load_app, run_job, scheduled_jobs
from infra.local.settings import ports_from, require_stack, use_endpoints

log = logging.getLogger("infra.local.job")


def parse_time(text: str | None) -> datetime:
    """ISO-8601; a time without an offset is taken as UTC."""
    if not text:
        return datetime.now(UTC)
    when = datetime.fromisoformat(text.strip())
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def select(jobs: list[ScheduledJob], name: str) -> list[ScheduledJob]:
    if name == "all":
        return jobs
    wanted = {name, name.replace("-", "_")}      # `make job JOB=sync-crm` runs `sync_crm`
    return [job for job in jobs if wanted & {job.name, job.python_name}]


def run(app: Chalice, name: str, when: datetime) -> int:
    """Exit status: 0 when every selected job ran, 1 when one raised, 2 for an unknown name."""
    jobs = scheduled_jobs(app)
    chosen = select(jobs, name)
    if not jobs and name == "all":
        print("No scheduled functions are registered in the app: nothing to run.")
        return 0
    if not chosen:
        known = ", ".join(job.name for job in jobs) or "(none)"
        print(f"Unknown job {name!r}. Known jobs: {known}, or 'all'.", file=sys.stderr)
        return 2
    status = 0
    for job in chosen:
        print(f"Running {job.name} ({job.expression}) as of {when.isoformat()}")
        try:
            run_job(app, job, when)
        except Exception:
            log.exception("%s raised", job.name)
            status = 1
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--job", required=True, help="function name, or 'all'")
    parser.add_argument("--at", default=None, help="ISO-8601 firing time (default: now)")
    args = parser.parse_args(argv)
    try:
        when = parse_time(args.at)
    except ValueError:
        parser.error(f"--at {args.at!r} is not an ISO-8601 time")
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    logging.getLogger("botocore").setLevel(logging.WARNING)
    require_stack(ports_from().aws)
    use_endpoints()
    return run(load_app(), args.job, when)


if __name__ == "__main__":
    sys.exit(main())
