"""The event pump delivers SQS batches and schedules to Chalice handlers the way Lambda does."""
from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from chalice import Chalice, Cron

from infra.local import pump
from infra.local.schedule import next_fire

pytestmark = [pytest.mark.local_stack, pytest.mark.timeout(60)]

fake = Chalice(app_name="fake")
FIRED: list[tuple[str, dict[str, Any]]] = []


@fake.on_sqs_message(queue="work", batch_size=10, name="work")
def work(event: Any) -> dict[str, Any]:
    """Fails the records whose body starts with "fail"; raises on a "boom" record."""
    records = [r.to_dict() for r in event]
    if any(r["body"] == "boom" for r in records):
        raise RuntimeError("boom")
    return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records if r["body"].startswith("fail")]}


@fake.schedule("rate(5 minutes)", name="every-five")
def every_five(event: Any) -> None:
    FIRED.append(("every-five", event.to_dict()))


@fake.schedule(Cron(0, 3, "*", "*", "?", "*"), name="nightly")
def nightly(event: Any) -> None:
    FIRED.append(("nightly", event.to_dict()))


def _queues(visibility: int = 30, max_receives: int = 3) -> tuple[Any, pump.Consumer, str]:
    sqs = boto3.client("sqs")
    dlq = sqs.create_queue(QueueName="work-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.create_queue(QueueName="work", Attributes={"VisibilityTimeout": str(visibility), "RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receives})})
    [consumer] = pump.consumers(fake, sqs)
    return sqs, consumer, dlq


def _count(sqs: Any, url: str) -> int:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attributes[n]) for n in names)


def test_the_event_has_lambdas_shape(aws_env: str) -> None:
    sqs, consumer, _ = _queues()
    sqs.send_message(QueueUrl=consumer.queue_url, MessageBody="hello",
                     MessageAttributes={"topic": {"DataType": "String", "StringValue": "orders/paid"}})
    messages = sqs.receive_message(QueueUrl=consumer.queue_url, AttributeNames=["All"],
                                   MessageAttributeNames=["All"])["Messages"]

    [record] = pump.build_sqs_event(messages, consumer.queue_arn)["Records"]

    assert record["body"] == "hello"
    assert record["messageId"] == messages[0]["MessageId"]
    assert record["receiptHandle"] == messages[0]["ReceiptHandle"]
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["messageAttributes"]["topic"] == {"stringValue": "orders/paid", "dataType": "String",
                                                    "stringListValues": [], "binaryListValues": []}
    assert (record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == \
        ("aws:sqs", "arn:aws:sqs:eu-west-1:123456789012:work", "eu-west-1")
    assert record["md5OfBody"] == messages[0]["MD5OfBody"]


def test_a_partial_batch_failure_leaves_exactly_the_failed_message(aws_env: str) -> None:
    sqs, consumer, _ = _queues(visibility=0, max_receives=5)
    for body in ("ok-1", "fail-2", "ok-3"):
        sqs.send_message(QueueUrl=consumer.queue_url, MessageBody=body)

    assert pump.deliver_once(sqs, consumer) == 3

    assert _count(sqs, consumer.queue_url) == 1
    [left] = sqs.receive_message(QueueUrl=consumer.queue_url, MaxNumberOfMessages=10)["Messages"]
    assert left["Body"] == "fail-2"


def test_a_raising_handler_deletes_nothing(aws_env: str) -> None:
    sqs, consumer, _ = _queues()
    for body in ("ok-1", "boom", "ok-3"):
        sqs.send_message(QueueUrl=consumer.queue_url, MessageBody=body)

    assert pump.deliver_once(sqs, consumer) == 3

    assert _count(sqs, consumer.queue_url) == 3


def test_after_max_receive_count_the_message_is_in_the_dead_letter_queue(aws_env: str) -> None:
    sqs, consumer, dlq = _queues(visibility=0, max_receives=2)
    sqs.send_message(QueueUrl=consumer.queue_url, MessageBody="fail-always")

    deliveries = [pump.deliver_once(sqs, consumer) for _ in range(4)]

    assert deliveries == [1, 1, 0, 0]
    assert _count(sqs, consumer.queue_url) == 0
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=dlq)["Messages"]] == ["fail-always"]


def test_run_forever_drains_the_queue_until_stopped(aws_env: str) -> None:
    sqs, consumer, _ = _queues()
    sqs.send_message(QueueUrl=consumer.queue_url, MessageBody="ok")
    stop = threading.Event()
    thread = threading.Thread(target=pump.run_forever, args=(stop, fake, sqs))
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while _count(sqs, consumer.queue_url) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _count(sqs, consumer.queue_url) == 0
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_schedules_fire_when_due_with_the_firing_time() -> None:
    FIRED.clear()
    start = datetime(2026, 5, 1, 2, 58, 30, tzinfo=UTC)
    scheduler = pump.Scheduler(fake, start)

    assert scheduler.run_schedule_due(datetime(2026, 5, 1, 2, 59, 59, tzinfo=UTC)) == []
    assert scheduler.run_schedule_due(datetime(2026, 5, 1, 3, 0, 1, tzinfo=UTC)) == ["nightly"]
    assert scheduler.run_schedule_due(datetime(2026, 5, 1, 3, 3, 31, tzinfo=UTC)) == ["every-five"]

    assert [(name, event["time"]) for name, event in FIRED] == [
        ("nightly", "2026-05-01T03:00:00Z"), ("every-five", "2026-05-01T03:03:30Z")]
    event = FIRED[0][1]
    assert (event["detail-type"], event["source"], event["detail"]) == ("Scheduled Event", "aws.events", {})
    assert event["resources"] == ["arn:aws:events:eu-west-1:123456789012:rule/fake-local-nightly"]
    assert scheduler.due == {"every-five": datetime(2026, 5, 1, 3, 8, 30, tzinfo=UTC),
                             "nightly": datetime(2026, 5, 2, 3, 0, tzinfo=UTC)}


def test_a_missed_run_fires_once_and_the_schedule_moves_on() -> None:
    FIRED.clear()
    scheduler = pump.Scheduler(fake, datetime(2026, 5, 1, 0, 0, tzinfo=UTC))

    fired = scheduler.run_schedule_due(datetime(2026, 5, 3, 12, 0, tzinfo=UTC))

    assert fired == ["every-five", "nightly"]
    assert scheduler.due["nightly"] == datetime(2026, 5, 4, 3, 0, tzinfo=UTC)
    assert scheduler.due["every-five"] == datetime(2026, 5, 3, 12, 5, tzinfo=UTC)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(("expression", "after", "expected"), [
    ("rate(1 minute)", "2026-05-01T10:00:30", "2026-05-01T10:01:30"),
    ("rate(2 hours)", "2026-05-01T10:00:00", "2026-05-01T12:00:00"),
    ("rate(1 day)", "2026-05-01T10:00:00", "2026-05-02T10:00:00"),
    ("cron(0 3 * * ? *)", "2026-05-01T03:00:00", "2026-05-02T03:00:00"),
    ("cron(0 3 * * ? *)", "2026-05-01T02:59:59", "2026-05-01T03:00:00"),
    ("cron(0/15 * * * ? *)", "2026-05-01T10:07:00", "2026-05-01T10:15:00"),
    ("cron(5,35 8-9 * * ? *)", "2026-05-01T08:40:00", "2026-05-01T09:05:00"),
    ("cron(0 9 ? * MON-FRI *)", "2026-05-01T10:00:00", "2026-05-04T09:00:00"),  # Friday → Monday
    ("cron(0 0 ? * 1 *)", "2026-05-01T10:00:00", "2026-05-03T00:00:00"),  # 1 = Sunday
    ("cron(30 8 1,15 * ? *)", "2026-05-01T09:00:00", "2026-05-15T08:30:00"),
    ("cron(0 12 1 JAN ? *)", "2026-05-01T00:00:00", "2027-01-01T12:00:00"),
    ("cron(0 12 * 2/3 ? 2027)", "2026-05-01T00:00:00", "2027-02-01T12:00:00"),
    ("cron(0 0 29 2 ? *)", "2026-03-01T00:00:00", "2028-02-29T00:00:00"),
])
def test_next_fire_follows_rate_and_cron(expression: str, after: str, expected: str) -> None:
    assert next_fire(expression, _utc(after)) == _utc(expected)


@pytest.mark.parametrize("expression", ["cron(0 12 L * ? *)", "cron(0 12 ? * 6#3 *)", "cron(0 12 * *)",
                                        "rate(0 minutes)", "at(2026-05-01T00:00:00)", "cron(0 25 * * ? *)"])
def test_unsupported_expressions_are_refused(expression: str) -> None:
    with pytest.raises(ValueError, match=r"cron|rate|schedule"):
        next_fire(expression, _utc("2026-05-01T00:00:00"))
