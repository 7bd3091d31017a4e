"""`make replay QUEUE=ingest|mail-feedback [LIMIT=<n>]`: messages from a queue's dead-letter queue back to the queue,
for another try after a fix; on the running local stack, or with `AWS=1 STAGE=<stage>` on AWS (the stage's queue
names from .chalice/config.json, credentials and region from the environment as the AWS CLI takes them).

Each message is sent to the queue with its body and message attributes, then deleted from the dead-letter queue;
one that could not be sent stays where it was. A crash between the two leaves a copy in both, which is harmless:
the worker applies every delivery exactly once whatever arrives twice (business keys and the order's version), and
the feedback handler records a notice once. A replayed message that fails again goes back to the dead-letter queue
by the queue's own redrive policy, with its alarm: nothing is lost.

Run: python -m infra.replay --queue ingest|mail-feedback [--limit N] [--aws --stage dev]
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import boto3

from infra.local.settings import REGION, chalice_config, ports_from, require_stack

QUEUES = {"ingest": "LOYALTY_INGEST_QUEUE_NAME", "mail-feedback": "LOYALTY_FEEDBACK_QUEUE_NAME"}
BATCH = 10                       # SQS's most per receive and per send batch
HOLD_SECONDS = 60                # a received message stays hidden this long while it is moved


@dataclass(frozen=True)
class Replayed:
    moved: int
    left: int                    # could not be sent this time: still in the dead-letter queue


class ReplayRefused(Exception):
    """The queue has no dead-letter queue, or is not one this command moves."""


def dead_letter_url(sqs: Any, queue_url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["RedrivePolicy"]).get("Attributes", {})
    policy = attributes.get("RedrivePolicy")
    if not policy:
        raise ReplayRefused(f"{queue_url} has no dead-letter queue")
    name = str(json.loads(policy)["deadLetterTargetArn"]).rpartition(":")[2]
    return str(sqs.get_queue_url(QueueName=name)["QueueUrl"])


def replay(sqs: Any, queue_url: str, limit: int | None = None) -> Replayed:
    """Move up to `limit` messages (all when None) from the queue's dead-letter queue back to it."""
    source = dead_letter_url(sqs, queue_url)
    moved = left = 0
    while limit is None or moved + left < limit:
        wanted = BATCH if limit is None else min(BATCH, limit - moved - left)
        messages = sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=wanted, WaitTimeSeconds=0,
                                       VisibilityTimeout=HOLD_SECONDS, MessageAttributeNames=["All"]
                                       ).get("Messages", [])
        if not messages:
            break
        sent = sqs.send_message_batch(QueueUrl=queue_url, Entries=[
            {"Id": str(i), "MessageBody": m["Body"], **_attributes(m)} for i, m in enumerate(messages)])
        done = {int(entry["Id"]) for entry in sent.get("Successful", [])}
        receipts = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages) if i in done]
        if receipts:
            sqs.delete_message_batch(QueueUrl=source, Entries=receipts)
        moved += len(done)
        left += len(messages) - len(done)
        if len(done) < len(messages):
            break                    # the queue refuses: stop rather than spin on the same messages
    return Replayed(moved, left)


def _attributes(message: Mapping[str, Any]) -> dict[str, Any]:
    """The message attributes as SendMessageBatch takes them (the received form carries empty list fields)."""
    found = {name: {k: v for k, v in value.items() if k in ("DataType", "StringValue", "BinaryValue")}
             for name, value in message.get("MessageAttributes", {}).items()}
    return {"MessageAttributes": found} if found else {}


def queue_client(aws: bool) -> Any:
    if aws:
        return boto3.client("sqs")
    ports = ports_from()
    require_stack(ports.aws)
    return boto3.client("sqs", endpoint_url=f"http://127.0.0.1:{ports.aws}", region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing")  # noqa: S106 (local fakes)


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.replay", description=__doc__.splitlines()[0])
    parser.add_argument("--queue", required=True, choices=sorted(QUEUES))
    parser.add_argument("--limit", type=int, default=None, help="move at most this many (default: all)")
    parser.add_argument("--aws", action="store_true", help="the deployed STAGE's queues instead of the local stack's")
    parser.add_argument("--stage", default="local", help="with --aws: the stage (dev, prod, …)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    stage = args.stage if args.aws else "local"
    name = chalice_config(stage=stage).environment_variables[QUEUES[args.queue]]
    sqs = queue_client(args.aws)
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        found = replay(sqs, url, args.limit)
    except ReplayRefused as e:
        print(e, file=sys.stderr)
        return 1
    print(f"{found.moved} message(s) moved from the dead-letter queue back to {name}"
          + (f"; {found.left} could not be sent and stay in the dead-letter queue" if found.left else ""))
    return 0 if not found.left else 1


if __name__ == "__main__":
    sys.exit(main())
