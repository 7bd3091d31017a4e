"""The event pump: what Lambda's event sources do on AWS, for the local stack.

SQS queues → the `on_sqs_message` handlers (partial batch failures as Lambda reports them), schedules → the
`schedule` handlers with the scheduled-event payload. Run: python -m infra.local.pump [--ready-file PATH]
"""
from __future__ import annotations

import argparse
import base64
import logging
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from chalice import Chalice
from chalice.app import SQSEventConfig

from infra.local.clock import install as install_clock
from infra.local.invoke import context_for, handler_for, load_app, run_job, scheduled_jobs
from infra.local.schedule import next_fire
from infra.local.settings import REGION, use_endpoints

log = logging.getLogger("infra.local.pump")
POLL_SECONDS = 2  # long polling: a receive waits up to this long for a message (and a stop is noticed as soon)
CONCURRENCY = 2  # batches in flight per queue, as Lambda runs several invocations at once (LOYALTY_PUMP_CONCURRENCY)
TICK_SECONDS = 1.0  # how often the scheduler looks for due schedules


@dataclass(frozen=True)
class Consumer:
    app: Chalice
    name: str
    queue_url: str
    queue_arn: str
    batch_size: int
    handler: Any


def consumers(app: Chalice, sqs: Any) -> list[Consumer]:
    found = []
    for source in app.event_sources:
        if isinstance(source, SQSEventConfig):
            queue = source.queue or str(source.queue_arn).rpartition(":")[2]
            url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            found.append(Consumer(app, source.name, url, arn, min(source.batch_size, 10),
                                  handler_for(app, source.name, source.handler_string)))
    return found


def build_sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str = REGION) -> dict[str, Any]:
    """The event Lambda's SQS poller sends: SQS ReceiveMessage output in Lambda's casing."""
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": dict(m.get("Attributes", {})),
        "messageAttributes": {k: _attribute(v) for k, v in m.get("MessageAttributes", {}).items()},
        "md5OfBody": m["MD5OfBody"], "md5OfMessageAttributes": m.get("MD5OfMessageAttributes"),
        "eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": region,
    } for m in messages]}


def _attribute(value: dict[str, Any]) -> dict[str, Any]:
    lambda_value: dict[str, Any] = {"dataType": value["DataType"], "stringListValues": [], "binaryListValues": []}
    if "StringValue" in value:
        lambda_value["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        lambda_value["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return lambda_value


def failed_ids(result: Any, message_ids: list[str]) -> set[str]:
    """Ids reported in batchItemFailures; an unknown or empty id fails the whole batch, as on Lambda."""
    failures = result.get("batchItemFailures", []) if isinstance(result, dict) else []
    ids = {str(f.get("itemIdentifier") or "") if isinstance(f, dict) else "" for f in failures}
    return ids if ids <= set(message_ids) else set(message_ids)


def deliver_once(sqs: Any, consumer: Consumer, wait: int = 0) -> int:
    """Receive one batch (waiting up to `wait` s for one) and hand it to the handler; returns how many it received."""
    messages = sqs.receive_message(QueueUrl=consumer.queue_url, MaxNumberOfMessages=consumer.batch_size,
                                   WaitTimeSeconds=wait, MessageSystemAttributeNames=["All"],
                                   MessageAttributeNames=["All"]).get("Messages", [])
    if not messages:
        return 0
    try:
        result = consumer.handler(build_sqs_event(messages, consumer.queue_arn), context_for(consumer.app,
                                                                                              consumer.name))
    except Exception:
        log.exception("%s: handler raised; the batch of %d stays on the queue", consumer.name, len(messages))
        return len(messages)
    failed = failed_ids(result, [m["MessageId"] for m in messages])
    done = [m for m in messages if m["MessageId"] not in failed]
    if done:
        sqs.delete_message_batch(QueueUrl=consumer.queue_url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)])
    log.info("%s: batch of %d: %d handled, %d failed", consumer.name, len(messages), len(done), len(failed))
    return len(messages)


class Scheduler:
    """Fires each scheduled function when its expression comes due; a missed run fires once, late."""

    def __init__(self, app: Chalice, start: datetime) -> None:
        self.app = app
        self.jobs = scheduled_jobs(app)
        self.due = {job.name: next_fire(job.expression, start) for job in self.jobs}

    def run_schedule_due(self, now: datetime) -> list[str]:
        fired = []
        for job in self.jobs:
            when = self.due[job.name]
            if when > now:
                continue
            following = next_fire(job.expression, when)
            self.due[job.name] = following if following > now else next_fire(job.expression, now)
            fired.append(job.name)
            try:
                run_job(self.app, job, when)
                log.info("%s: fired for %s", job.name, when.isoformat())
            except Exception:
                log.exception("%s: scheduled run for %s raised", job.name, when.isoformat())
        return fired


def consume(stop: threading.Event, sqs: Any, consumer: Consumer) -> None:
    """One queue's poller, as Lambda's event source mapping: long-poll, hand over the batch, delete what succeeded."""
    while not stop.is_set():
        try:
            deliver_once(sqs, consumer, wait=POLL_SECONDS)
        except Exception:
            log.exception("%s: polling failed", consumer.name)
            stop.wait(1)


def run_forever(stop: threading.Event, app: Chalice | None = None, sqs: Any = None,
                ready_file: Path | None = None, clock: Callable[[], datetime] | None = None) -> None:
    """CONCURRENCY poller threads per queue (a slow scheduled job never holds up deliveries); schedules here, by
    `clock` (default: the real time)."""
    concurrency = max(1, int(os.environ.get("LOYALTY_PUMP_CONCURRENCY") or CONCURRENCY))
    app = app or load_app()
    sqs = sqs or boto3.client("sqs", config=Config(max_pool_connections=max(10, 4 * concurrency)))
    queues = consumers(app, sqs)
    clock = clock or (lambda: datetime.now(UTC))
    scheduler = Scheduler(app, clock())
    pollers = [threading.Thread(target=consume, args=(stop, sqs, c), name=f"pump-{c.name}-{n}", daemon=True)
               for c in queues for n in range(concurrency)]
    for poller in pollers:
        poller.start()
    log.info("pump running: queues %s, schedules %s", [c.name for c in queues], [j.name for j in scheduler.jobs])
    if ready_file is not None:
        ready_file.write_text("ready\n", encoding="utf-8")
    while not stop.is_set():
        scheduler.run_schedule_due(clock())
        stop.wait(TICK_SECONDS)
    for poller in pollers:
        poller.join(timeout=POLL_SECONDS + 5)  # a batch in progress finishes; the stack kills a pump that hangs


def main() -> None:
    parser = argparse.ArgumentParser(description="Deliver queued messages and schedules to the app's handlers.")
    parser.add_argument("--ready-file", type=Path, help="written once the pump polls")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    logging.getLogger("botocore").setLevel(logging.WARNING)
    use_endpoints()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    clock = install_clock()   # the stack's movable clock (infra/local/clock.py), for the handlers and the schedules
    run_forever(stop, ready_file=args.ready_file, clock=clock.now)


if __name__ == "__main__":
    main()
