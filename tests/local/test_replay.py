"""`make replay`: messages go from a queue's dead-letter queue back to the queue, with their attributes, each once;
one the queue refuses stays in the dead-letter queue; a replayed message that fails again goes back there."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra import replay

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def sqs(moto_server: tuple[str, Path]) -> Any:
    endpoint, _ = moto_server
    return boto3.client("sqs", endpoint_url=endpoint, region_name="eu-west-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")


@pytest.fixture
def queues(sqs: Any, request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    name = f"replay-{request.node.name[:40].replace('_', '-')}"
    dead = sqs.create_queue(QueueName=f"{name}-dead-letters")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue = sqs.create_queue(QueueName=name, Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": "1"})})["QueueUrl"]
    yield queue, dead
    sqs.delete_queue(QueueUrl=queue)
    sqs.delete_queue(QueueUrl=dead)


def park(sqs: Any, dead: str, n: int) -> None:
    for i in range(n):
        sqs.send_message(QueueUrl=dead, MessageBody=json.dumps({"delivery": i}), MessageAttributes={
            "topic": {"DataType": "String", "StringValue": "orders/paid"}})


def drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    found = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                                       VisibilityTimeout=30).get("Messages", []):
        found += batch
        for m in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return found


def test_every_parked_message_goes_back_once_with_its_attributes(sqs, queues):
    queue, dead = queues
    park(sqs, dead, 23)
    assert replay.replay(sqs, queue) == replay.Replayed(moved=23, left=0)
    back = drain(sqs, queue)
    assert sorted(json.loads(m["Body"])["delivery"] for m in back) == list(range(23))
    assert {m["MessageAttributes"]["topic"]["StringValue"] for m in back} == {"orders/paid"}
    assert drain(sqs, dead) == []


def test_a_limit_moves_that_many_and_leaves_the_rest(sqs, queues):
    queue, dead = queues
    park(sqs, dead, 5)
    assert replay.replay(sqs, queue, limit=3) == replay.Replayed(moved=3, left=0)
    assert len(drain(sqs, queue)) == 3
    assert len(drain(sqs, dead)) == 2


def test_a_replayed_message_that_fails_again_is_parked_again_by_the_redrive_policy(sqs, queues):
    queue, dead = queues
    park(sqs, dead, 1)
    replay.replay(sqs, queue)
    [received] = sqs.receive_message(QueueUrl=queue, VisibilityTimeout=0).get("Messages", [])   # a failed try
    assert sqs.receive_message(QueueUrl=queue).get("Messages", []) == []       # maxReceiveCount 1: moved on
    assert [json.loads(m["Body"]) for m in drain(sqs, dead)] == [json.loads(received["Body"])]


def test_a_queue_without_a_dead_letter_queue_is_refused(sqs):
    plain = sqs.create_queue(QueueName="replay-plain")["QueueUrl"]
    with pytest.raises(replay.ReplayRefused):
        replay.replay(sqs, plain)
