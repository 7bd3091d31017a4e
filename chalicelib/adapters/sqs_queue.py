"""SqsIngestQueue: webhook deliveries onto the ingest queue; bodies too large for a message go to S3 (claim check).

A message holds at most the queue's MaximumMessageSize (256 KiB, set in infra/template.yaml for the queue and its
dead-letter queue: ten of them always fit one Lambda invocation). An envelope larger than INLINE_BYTES is queued
without its `body`: the body goes to the payload store first, under a key derived from the program and the webhook
id, and the envelope carries `body_ref` (that key) and `body_sha256`; `open_envelope` puts it back for the worker.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

BATCH = 10                     # SendMessageBatch takes at most ten entries ...
BATCH_BYTES = 256 * 1024       # ... and at most this many bytes of messages together
INLINE_BYTES = 250 * 1024      # a message body up to this stays inline (the rest of 256 KiB: attributes, margin)


class PayloadStore(Protocol):
    def put(self, key: str, body: str) -> None: ...

    def get(self, key: str) -> str: ...


class PayloadMissing(Exception):
    """A queued envelope's body is not in the payload store, or not the body that was queued."""


class SqsIngestQueue:
    def __init__(self, queue_name: str, client: SQSClient, payloads: PayloadStore | None = None) -> None:
        self.queue_name = queue_name
        self.client = client
        self.payloads = payloads
        self._url: str | None = None

    @property
    def url(self) -> str:
        if self._url is None:
            self._url = self.client.get_queue_url(QueueName=self.queue_name)["QueueUrl"]
        return self._url

    def put(self, message: dict[str, Any]) -> str:
        response = self.client.send_message(QueueUrl=self.url, **self._body_and_attributes(message))
        return response["MessageId"]

    def put_many(self, messages: Sequence[dict[str, Any]]) -> None:
        """SendMessageBatch by tens (and BATCH_BYTES); entries SQS failed are sent once more, then a fault (5xx: the
        sender retries)."""
        for batch in _batches([self._body_and_attributes(m) for m in messages]):
            pending = {str(i): entry for i, entry in enumerate(batch)}
            for _ in range(2):
                entries: list[Any] = [{"Id": i, **entry} for i, entry in pending.items()]
                response = self.client.send_message_batch(QueueUrl=self.url, Entries=entries)
                pending = {f["Id"]: pending[f["Id"]] for f in response.get("Failed", [])}
                if not pending:
                    break
            if pending:
                raise RuntimeError(f"SQS did not take {len(pending)} of the messages")

    def _body_and_attributes(self, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "MessageBody": self._message_body(message),
            "MessageAttributes": {
                "source": {"DataType": "String", "StringValue": str(message["source"])},
                "topic": {"DataType": "String", "StringValue": str(message["topic"])},
            },
        }

    def _message_body(self, message: dict[str, Any]) -> str:
        text = _dumps(message)
        if len(text.encode("utf-8")) <= INLINE_BYTES or "body" not in message:
            return text
        if self.payloads is None:
            raise RuntimeError("a webhook body is too large for the queue and no payload store is configured")
        body = str(message["body"])
        key = payload_key(str(message.get("program_id")), str(message.get("webhook_id")))
        self.payloads.put(key, body)
        pointer = {k: v for k, v in message.items() if k != "body"}
        return _dumps({**pointer, "body_ref": key, "body_sha256": _sha256(body)})


def payload_key(program_id: str, webhook_id: str) -> str:
    """Where a body too large for the queue is kept: per program, named by a hash of its webhook id (ids are the
    platform's text; the hash keeps the key short and safe)."""
    return f"ingest/{program_id}/{_sha256(webhook_id)}.json"


def open_envelope(raw: str, payloads: Callable[[], PayloadStore]) -> dict[str, Any]:
    """A queued message as the worker needs it: the envelope with its `body`, fetched from the store if it was
    queued by reference (PayloadMissing when the stored body is not the one queued: the message is retried)."""
    envelope: dict[str, Any] = json.loads(raw)
    ref = envelope.get("body_ref")
    if "body" in envelope or not isinstance(ref, str):
        return envelope
    body = payloads().get(ref)
    if _sha256(body) != envelope.get("body_sha256"):
        raise PayloadMissing("the stored body does not match the queued envelope")
    return {**envelope, "body": body}


def _batches(entries: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    size = 0
    for entry in entries:
        length = len(entry["MessageBody"].encode("utf-8"))
        if batch and (len(batch) == BATCH or size + length > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(entry)
        size += length
    if batch:
        yield batch


def _dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class SqsTaskQueue(SqsIngestQueue):
    """Work items of a job (the nightly journey run's tasks) as plain JSON messages, sent in batches."""

    def __init__(self, queue_name: str, client: SQSClient) -> None:
        super().__init__(queue_name, client)

    def send(self, tasks: Sequence[dict[str, Any]]) -> None:
        self.put_many(tasks)

    def _body_and_attributes(self, message: dict[str, Any]) -> dict[str, Any]:
        return {"MessageBody": _dumps(message)}
