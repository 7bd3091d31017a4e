"""The nightly journey run: a scheduled start per program, then shard tasks through the journey queue.

`journey` (03:15 UTC daily) starts a run for each program as of its event time; `handle_journey` takes one task at a
time from the journey queue (summarise a shard, fit the program's model, apply it to a shard), each within the
function's time, continuing itself through the queue when the time runs short. See services/journey_run.py.
"""
from __future__ import annotations

from typing import Any

from chalice import Blueprint, Cron
from chalice.app import CloudWatchEvent, SQSEvent

from chalicelib import bootstrap
from chalicelib.config import load_settings
from chalicelib.jobs.schedules import _run_programs, time_is_short
from chalicelib.observability import observed

bp = Blueprint(__name__)
invocation = observed(bootstrap.get_metrics)
# The queue name must be known when Chalice registers the event source (import and package time).
JOURNEY_QUEUE = load_settings().journey_queue_name


@bp.schedule(Cron(15, 3, "*", "*", "?", "*"), name="journey")
@invocation
def journey(event: CloudWatchEvent) -> dict[str, Any]:
    """Daily: each program's journey run (stages and states, RFM, the customer model) as of the event's time."""
    from chalicelib.services import analytics, journey_run

    return _run_programs("journey", event, lambda program_id, now: {
        **journey_run.start(program_id, now, bootstrap.get_journey_deps()),
        **analytics.roll_up(program_id, bootstrap.get_figures(), now.date())}, quiet=False)


@bp.on_sqs_message(queue=JOURNEY_QUEUE, batch_size=1, name="handle_journey")
@invocation
def handle_journey(event: SQSEvent) -> None:
    """One task of a run; a failure raises, so the queue retries it and parks it in the dead-letter queue."""
    from chalicelib.services import journey_run

    for record in event:
        journey_run.run_task(journey_run.parse_task(record.body), bootstrap.get_journey_deps(),
                             should_stop=time_is_short(event))
