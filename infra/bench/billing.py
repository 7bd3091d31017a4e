"""What AWS bills for what the bench counted: SQS requests and EventBridge events by 64 KB chunks, and the bytes a
handler writes to its log (CloudWatch Logs bills them by the GB ingested)."""
from __future__ import annotations

import contextlib
import io
import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from chalicelib.observability import logger
from infra.bench.recorder import Call

CHUNK = 64 * 1024          # SQS bills each started 64 KB of a request's messages as a request, EventBridge an event


def chunks(size: int) -> int:
    return max(1, math.ceil(size / CHUNK))


def sqs_requests(call: Call) -> int:
    """The requests SQS bills for one call: one per started 64 KB of the messages it sends or receives."""
    p, r = call.params, call.response
    messages = {"SendMessage": [p], "SendMessageBatch": p.get("Entries", []),
                "ReceiveMessage": r.get("Messages", [])}.get(call.operation, [])
    return chunks(sum(map(message_bytes, messages)))


def message_bytes(message: dict[str, Any]) -> int:
    """A message's body and attributes (names, types, values) in bytes, as sent or as received."""
    attributes = message.get("MessageAttributes", {})
    return len(str(message.get("MessageBody", message.get("Body", ""))).encode()) + sum(
        len(name.encode()) + len(value["DataType"].encode()) + len(value.get("StringValue", "").encode())
        + len(value.get("BinaryValue", b"")) for name, value in attributes.items())


@dataclass
class Logs:
    bytes: int = 0


@contextlib.contextmanager
def captured_logs() -> Iterator[Logs]:
    """What the app writes to standard output meanwhile (its log lines and metric documents: what Lambda sends to
    CloudWatch Logs), counted in bytes and kept off the bench's own output (and its root logger's)."""
    buffer, logs = io.StringIO(), Logs()
    handler, app_logger = logger.registered_handler, logging.getLogger(logger.name)
    if not isinstance(handler, logging.StreamHandler):
        raise TypeError(f"the app's log handler is a {type(handler).__name__}, not a stream handler")
    previous, propagates = handler.setStream(buffer), app_logger.propagate
    app_logger.propagate = False
    try:
        with contextlib.redirect_stdout(buffer):
            yield logs
    finally:
        app_logger.propagate = propagates
        if previous is not None:
            handler.setStream(previous)
        logs.bytes = len(buffer.getvalue().encode())
