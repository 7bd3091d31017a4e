"""Run scheduled functions once against the running local stack, as if their schedule fired at a given time.

Run: python -m infra.local.job --job NAME|all [--at 2026-05-01T03:00:00Z]
NAME is the Chalice function name (`@app.schedule(..., name=...)`) or the Python function's name.
A job whose work goes on through queues (WORK_QUEUES) returns once the stack's event pump has done that work: the
queues hold nothing waiting, in flight or delayed (at most LOYALTY_JOB_WAIT_SECONDS, default 1800), so its results can
be read as soon as the command returns.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import boto3
from chalice import Chalice

from chalicelib.config import Settings, load_settings
from infra.local.clock import install as install_clock
from infra.local.invoke import ScheduledJob, load_app, run_job, scheduled_jobs
from infra.local.settings import ports_from, require_stack, use_endpoints

log = logging.getLogger("infra.local.job")

# The queues a job's work flows through once its scheduled function returns (it queued tasks; their handlers may queue
# more), by job name, as the names of the queue settings.
WORK_QUEUES: Mapping[str, tuple[str, ...]] = {"journey": ("journey_queue_name",)}
WAIT_SECONDS = 30 * 60          # LOYALTY_JOB_WAIT_SECONDS
POLL_SECONDS = 2.0
QUIET_POLLS = 2                 # empty this many polls in a row: SQS's counts are approximate
PROGRESS_SECONDS = 30.0         # a progress line at least this often, and whenever the counts change


@dataclass(frozen=True)
class Depth:
    waiting: int
    in_flight: int
    delayed: int = 0

    @property
    def empty(self) -> bool:
        return self.waiting == self.in_flight == self.delayed == 0

    def __str__(self) -> str:
        return f"{self.waiting} waiting, {self.in_flight} in flight" + (f", {self.delayed} delayed" if self.delayed
                                                                         else "")


class Queues(Protocol):
    def depth(self, queue: str) -> Depth: ...

    def dead_letter_queue(self, queue: str) -> str | None: ...


class SqsQueues:
    """The counts SQS gives in GetQueueAttributes (exact on the local stack's queues)."""

    def __init__(self, sqs: Any) -> None:
        self.sqs = sqs

    def _attributes(self, queue: str, *names: str) -> dict[str, str]:
        url = self.sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        return dict(self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(names)).get("Attributes", {}))

    def depth(self, queue: str) -> Depth:
        found = self._attributes(queue, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                                 "ApproximateNumberOfMessagesDelayed")
        return Depth(int(found.get("ApproximateNumberOfMessages", 0)),
                     int(found.get("ApproximateNumberOfMessagesNotVisible", 0)),
                     int(found.get("ApproximateNumberOfMessagesDelayed", 0)))

    def dead_letter_queue(self, queue: str) -> str | None:
        policy = self._attributes(queue, "RedrivePolicy").get("RedrivePolicy")
        return str(json.loads(policy)["deadLetterTargetArn"]).rpartition(":")[2] if policy else None


def work_queues(jobs: Iterable[ScheduledJob], settings: Settings) -> list[str]:
    """The queues the jobs' work flows through, each once, in order."""
    names = [getattr(settings, field) for job in jobs for field in WORK_QUEUES.get(job.name, ())]
    return list(dict.fromkeys(names))


def dead_letters(queues: Queues, names: list[str]) -> dict[str, int]:
    """Messages in each queue's dead-letter queue, by that dead-letter queue's name."""
    dlqs = [dlq for dlq in map(queues.dead_letter_queue, names) if dlq]
    return {dlq: queues.depth(dlq).waiting for dlq in dict.fromkeys(dlqs)}


def say_now(text: str) -> None:
    print(text, flush=True)      # progress shows as it happens, through a pipe too


@dataclass(frozen=True)
class Watch:
    """How `make job` follows the work a job queued: where it reads the queues' depths, for how long, how often."""

    queues: Queues
    timeout: float = WAIT_SECONDS
    poll: float = POLL_SECONDS
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    say: Callable[[str], None] = say_now


def wait_for_work(watch: Watch, names: list[str]) -> bool:
    """Poll until every queue is empty QUIET_POLLS times in a row (True), or the timeout passes (False), saying how
    much is left whenever it changes and every PROGRESS_SECONDS."""
    start = watch.clock()
    quiet, last, said_at = 0, "", start
    while True:
        depths = {name: watch.queues.depth(name) for name in names}
        now = watch.clock()
        line = "; ".join(f"{name}: {depth}" for name, depth in depths.items())
        if all(d.empty for d in depths.values()):
            quiet += 1
            if quiet >= QUIET_POLLS:
                watch.say(f"Queued work done after {now - start:.0f} s.")
                return True
        else:
            quiet = 0
            if line != last or now - said_at >= PROGRESS_SECONDS:
                watch.say(f"Waiting for the queued work ({now - start:.0f} s): {line}")
                last, said_at = line, now
        if now - start >= watch.timeout:
            watch.say(f"Gave up waiting after {now - start:.0f} s ({line}). The event pump goes on with it; a task "
                      "whose handler raised is received again only after its queue's visibility timeout (see the "
                      "pump's log).")
            return False
        watch.sleep(watch.poll)


def wait_seconds(env: Mapping[str, str] | None = None) -> float:
    env = os.environ if env is None else env
    return float(env.get("LOYALTY_JOB_WAIT_SECONDS") or WAIT_SECONDS)


def finish_work(watch: Watch, names: list[str], before: Mapping[str, int]) -> int:
    """0 when the queued work is done and none of it went to a dead-letter queue, 1 otherwise."""
    if not wait_for_work(watch, names):
        return 1
    failed = {dlq: count - before.get(dlq, 0) for dlq, count in dead_letters(watch.queues, names).items()
              if count > before.get(dlq, 0)}
    for dlq, count in failed.items():
        print(f"{count} queued task(s) failed on every attempt and are now in {dlq}: the work is incomplete "
              "(see the pump's log).", file=sys.stderr)
    return 1 if failed else 0


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


def run(app: Chalice, name: str, when: datetime, watch: Watch | None = None) -> int:
    """Exit status: 0 when every selected job ran (and, given a `watch`, the work it queued was done), 1 when one
    raised or its queued work failed or was not done in time, 2 for an unknown name."""
    jobs = scheduled_jobs(app)
    chosen = select(jobs, name)
    if not jobs and name == "all":
        print("No scheduled functions are registered in the app: nothing to run.")
        return 0
    if not chosen:
        known = ", ".join(job.name for job in jobs) or "(none)"
        print(f"Unknown job {name!r}. Known jobs: {known}, or 'all'.", file=sys.stderr)
        return 2
    settings = load_settings()
    before = dead_letters(watch.queues, work_queues(chosen, settings)) if watch else {}
    status, ran = 0, []
    for job in chosen:
        print(f"Running {job.name} ({job.expression}) as of {when.isoformat()}")
        try:
            run_job(app, job, when)
            ran.append(job)
        except Exception:
            log.exception("%s raised", job.name)
            status = 1
    names = work_queues(ran, settings)
    if watch and names:
        status = max(status, finish_work(watch, names, before))
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
    app = load_app()
    install_clock()   # the stack's movable clock (infra/local/clock.py): what the job files is dated as the stack's
    try:
        return run(app, args.job, when, Watch(SqsQueues(boto3.client("sqs")), timeout=wait_seconds()))
    except KeyboardInterrupt:
        print("Interrupted: the stack goes on with whatever work was queued.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
