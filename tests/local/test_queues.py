"""The local stack's SQS keeps every accepted message on disk: a crash and a restart lose nothing, and a receive
costs the same however long the queue is."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.local.queue_store import QueueStore
from infra.local.settings import REPO_ROOT, port_open
from tests.e2e.harness import _free_port, wait

pytestmark = [pytest.mark.local_stack, pytest.mark.timeout(120)]


def _sqs(endpoint: str) -> Any:
    return boto3.client("sqs", endpoint_url=endpoint, region_name="eu-west-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def _start_moto(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "infra.local.moto_server", "--port", str(port), "--data-dir",
                                str(data_dir)], cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env=dict(os.environ))
    assert wait(lambda: process.poll() is not None or port_open(port), 60), "the moto server did not listen"
    assert process.poll() is None
    return process, f"http://127.0.0.1:{port}"


@pytest.fixture
def moto_process(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    """moto servers started by the test (killed at the end whatever happened)."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_accepted_messages_survive_a_killed_server_and_come_back_after_a_restart(
        tmp_path: Path, moto_process: list[subprocess.Popen[bytes]]) -> None:
    first, endpoint = _start_moto(tmp_path)
    moto_process.append(first)
    sqs = _sqs(endpoint)
    dlq = sqs.create_queue(QueueName="work-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(QueueName="work", Attributes={"VisibilityTimeout": "180", "RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5})})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="in flight when the crash came",
                     MessageAttributes={"topic": {"DataType": "String", "StringValue": "orders/paid"}})
    [in_flight] = sqs.receive_message(QueueUrl=url)["Messages"]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"waiting {i}"} for i in range(3)])

    first.send_signal(signal.SIGKILL)  # no chance to save anything
    first.wait(timeout=10)
    second, endpoint = _start_moto(tmp_path)
    moto_process.append(second)
    sqs = _sqs(endpoint)

    url = sqs.get_queue_url(QueueName="work")["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"],
                                   MessageAttributeNames=["All"])["Messages"]
    assert sorted(m["Body"] for m in messages) == ["in flight when the crash came", "waiting 0", "waiting 1",
                                                   "waiting 2"]
    again = next(m for m in messages if m["MessageId"] == in_flight["MessageId"])  # its receiver died with the crash
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"
    assert again["MessageAttributes"]["topic"]["StringValue"] == "orders/paid"
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (attributes["VisibilityTimeout"], json.loads(attributes["RedrivePolicy"])["maxReceiveCount"]) == ("180", 5)


def test_a_long_poll_returns_the_message_that_arrives_while_it_waits(aws_env: str) -> None:
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="waiting")["QueueUrl"]
    got: list[Any] = []
    poller = threading.Thread(target=lambda: got.extend(
        sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20).get("Messages", [])))
    poller.start()

    sqs.send_message(QueueUrl=url, MessageBody="hello")
    poller.join(timeout=30)

    assert [m["Body"] for m in got] == ["hello"]


def test_a_receive_does_the_same_work_with_ten_or_twenty_thousand_messages_queued(tmp_path: Path) -> None:
    """SQLite virtual-machine steps per receive-and-delete of 10, counted with a progress handler: flat, not O(n)."""
    store = QueueStore(tmp_path / "queues.sqlite3")
    store.create_queue("short", {"VisibilityTimeout": "30"})
    store.create_queue("long", {"VisibilityTimeout": "30"})
    store.send("short", [(f"m{i}", {}, None) for i in range(10)])
    for start in range(0, 20_000, 1000):
        store.send("long", [(f"m{i}", {}, None) for i in range(start, start + 1000)])

    def steps(queue: str) -> int:
        counted = [0]

        def count() -> int:
            counted[0] += 1
            return 0

        store._db.set_progress_handler(count, 10)
        for message in store.receive(queue, 10):
            store.delete(queue, message.receipt)
        store._db.set_progress_handler(None, 10)
        return counted[0]

    short, long = steps("short"), steps("long")

    assert long <= short * 2 + 20, (short, long)
    assert store.attributes("long")["ApproximateNumberOfMessages"] == "19990"


def test_an_eventbridge_rule_with_a_queue_target_delivers_into_the_durable_queue(aws_env: str) -> None:
    sqs, events = boto3.client("sqs"), boto3.client("events")
    url = sqs.create_queue(QueueName="feedback")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="bounces", EventPattern=json.dumps({"source": ["aws.ses"]}))
    events.put_targets(Rule="bounces", Targets=[{"Id": "q", "Arn": arn}])

    events.put_events(Entries=[{"Source": "aws.ses", "DetailType": "Email Bounced", "Detail": '{"bounce": {}}'}])

    [message] = sqs.receive_message(QueueUrl=url)["Messages"]
    assert json.loads(message["Body"])["detail-type"] == "Email Bounced"
