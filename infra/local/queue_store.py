"""Durable SQS queues for the local stack: every accepted message is in SQLite (WAL) before SendMessage answers.

moto keeps SQS in memory, so a crash of any process of the stack lost every accepted, unapplied delivery. This
store keeps SQS's at-least-once semantics (visibility timeout, receive count, redrive to the dead-letter queue
after `maxReceiveCount` receives, delay, long polling) with the messages on disk, and finds the next visible
messages through an index: a receive costs the same with 10 or 100,000 messages queued.

One connection behind one lock serves every thread (SQLite statements here take microseconds); a long poll
waits on a condition of that lock, so it holds nothing while it waits. Times are epoch milliseconds.
"""
from __future__ import annotations

import base64
import hashlib
import json
import secrets
import sqlite3
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULTS = {"VisibilityTimeout": "30", "MessageRetentionPeriod": "345600", "MaximumMessageSize": "262144",
            "DelaySeconds": "0", "ReceiveMessageWaitTimeSeconds": "0"}
SYSTEM_ATTRIBUTES = ("SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp")
SENDER_ID = "AIDAIT2UOQQY3AUEKVGXU"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS queues (
    name TEXT PRIMARY KEY, arn TEXT NOT NULL, attributes TEXT NOT NULL, created INTEGER NOT NULL,
    modified INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, queue TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,
    attributes TEXT NOT NULL, sent INTEGER NOT NULL, visible_at INTEGER NOT NULL,
    receives INTEGER NOT NULL DEFAULT 0, first_receive INTEGER, receipt TEXT);
CREATE INDEX IF NOT EXISTS messages_ready ON messages (queue, visible_at, seq);
"""


class QueueError(Exception):
    """An SQS error: `code` is the JSON protocol's error type, `query_code` the classic one, both as AWS sends them."""

    def __init__(self, code: str, message: str, query_code: str | None = None, sender: bool = True) -> None:
        super().__init__(message)
        self.code, self.message, self.query_code, self.sender = code, message, query_code or code, sender


def no_such_queue() -> QueueError:
    return QueueError("QueueDoesNotExist", "The specified queue does not exist.",
                      "AWS.SimpleQueueService.NonExistentQueue")


def invalid(message: str) -> QueueError:
    return QueueError("InvalidParameterValue", message)


@dataclass(frozen=True)
class Received:
    """A message as ReceiveMessage returns it (before the selection of attributes)."""

    message_id: str
    receipt: str
    body: str
    attributes: dict[str, Any]
    system: dict[str, str]


def md5_of_body(body: str) -> str:
    return hashlib.md5(body.encode(), usedforsecurity=False).hexdigest()


def md5_of_attributes(attributes: Mapping[str, Mapping[str, Any]]) -> str | None:
    """SQS's digest of the message attributes (names sorted; length-prefixed name, type and value)."""
    if not attributes:
        return None
    digest = hashlib.md5(usedforsecurity=False)

    def put(value: bytes) -> None:
        digest.update(struct.pack("!I", len(value)) + value)

    for name in sorted(attributes):
        value = attributes[name]
        put(name.encode())
        put(str(value["DataType"]).encode())
        if "StringValue" in value:
            digest.update(b"\x01")
            put(str(value["StringValue"]).encode())
        elif "BinaryValue" in value:
            digest.update(b"\x02")
            binary = value["BinaryValue"]  # base64 text in the JSON protocol
            put(binary if isinstance(binary, bytes) else base64.b64decode(str(binary)))
    return digest.hexdigest()


def _millis() -> int:
    return int(time.time() * 1000)


class QueueStore:
    def __init__(self, path: Path, now: Callable[[], int] = _millis, region: str = "eu-west-1",
                 account: str = "123456789012") -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.now, self.region, self.account = now, region, account
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        with self._lock:  # whoever held the in-flight messages is gone: the stack starts its pump afresh
            self._db.execute("UPDATE messages SET visible_at = ?, receipt = NULL WHERE receipt IS NOT NULL",
                             (self.now(),))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # Queues ---------------------------------------------------------------------------------------------------

    def create_queue(self, name: str, attributes: Mapping[str, str]) -> None:
        _check_attributes(attributes)
        with self._lock:
            row = self._db.execute("SELECT attributes FROM queues WHERE name = ?", (name,)).fetchone()
            if row is not None:
                current = json.loads(row[0])
                if any(current.get(k) != str(v) for k, v in attributes.items()):
                    raise QueueError("QueueNameExists", f"A queue named {name} already exists with other attributes.",
                                     "QueueAlreadyExists")
                return
            now = self.now()
            self._db.execute("INSERT INTO queues VALUES (?, ?, ?, ?, ?)", (
                name, f"arn:aws:sqs:{self.region}:{self.account}:{name}",
                json.dumps({k: str(v) for k, v in attributes.items()}), now, now))

    def delete_queue(self, name: str) -> None:
        with self._lock:
            self._queue(name)
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM messages WHERE queue = ?", (name,))
            self._db.execute("DELETE FROM queues WHERE name = ?", (name,))
            self._db.execute("COMMIT")

    def list_queues(self, prefix: str = "") -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT name FROM queues ORDER BY name") if r[0].startswith(prefix)]

    def exists(self, name: str) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM queues WHERE name = ?", (name,)).fetchone() is not None

    def set_attributes(self, name: str, attributes: Mapping[str, str]) -> None:
        _check_attributes(attributes)
        with self._lock:
            current = self._queue(name)
            current.update({k: str(v) for k, v in attributes.items()})
            self._db.execute("UPDATE queues SET attributes = ?, modified = ? WHERE name = ?",
                             (json.dumps(current), self.now(), name))

    def attributes(self, name: str, wanted: Iterable[str] = ("All",)) -> dict[str, str]:
        wanted = set(wanted)
        with self._lock:
            arn, stored, created, modified = self._row(name)
            everything = {**DEFAULTS, **json.loads(stored), "QueueArn": arn, "CreatedTimestamp": str(created // 1000),
                          "LastModifiedTimestamp": str(modified // 1000)}
            if wanted & {"All", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                         "ApproximateNumberOfMessagesDelayed"}:
                everything.update(self._counts(name))
        return everything if "All" in wanted else {k: v for k, v in everything.items() if k in wanted}

    def dead_letter_sources(self, name: str) -> list[str]:
        with self._lock:
            arn = self._row(name)[0]
            rows = self._db.execute("SELECT name, attributes FROM queues ORDER BY name").fetchall()
        return [n for n, a in rows if _redrive(json.loads(a)).get("deadLetterTargetArn") == arn]

    def purge(self, name: str) -> None:
        with self._lock:
            self._queue(name)
            self._db.execute("DELETE FROM messages WHERE queue = ?", (name,))

    def reset(self) -> None:
        """Every queue and message gone (moto's /moto-api/reset, used between tests)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM messages")
            self._db.execute("DELETE FROM queues")
            self._db.execute("COMMIT")

    # Messages -------------------------------------------------------------------------------------------------

    def send(self, name: str, entries: list[tuple[str, Mapping[str, Any], int | None]]) -> list[str]:
        """(body, message attributes, delay seconds or None) each; one transaction; returns the message ids."""
        with self._lock:
            attributes = self._queue(name)
            limit = int(attributes.get("MaximumMessageSize", DEFAULTS["MaximumMessageSize"]))
            now, ids = self.now(), []
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for body, message_attributes, delay in entries:
                    if len(body.encode()) > limit:
                        raise invalid(f"One or more parameters are invalid. Reason: Message must be shorter than "
                                      f"{limit} bytes.")
                    delay = int(attributes.get("DelaySeconds", "0")) if delay is None else delay
                    ids.append(str(uuid.uuid4()))
                    self._db.execute("INSERT INTO messages (queue, id, body, attributes, sent, visible_at) "
                                     "VALUES (?, ?, ?, ?, ?, ?)", (name, ids[-1], body,
                                                                   json.dumps(dict(message_attributes)), now,
                                                                   now + delay * 1000))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._arrived.notify_all()
        return ids

    def receive(self, name: str, limit: int, visibility: int | None = None, wait: float = 0.0,
                stop: threading.Event | None = None) -> list[Received]:
        """Up to `limit` visible messages, oldest visible first; waits up to `wait` seconds for one to arrive."""
        deadline = time.monotonic() + wait
        with self._lock:
            while True:
                received = self._receive_locked(name, limit, visibility)
                remaining = deadline - time.monotonic()
                if received or remaining <= 0 or (stop is not None and stop.is_set()):
                    return received
                self._arrived.wait(min(remaining, 1.0))  # also wakes for messages whose delay or visibility ends

    def delete(self, name: str, receipt: str) -> None:
        """A stale receipt (the message was received again since) succeeds without deleting, as on SQS."""
        seq, token = _parse_receipt(receipt)
        with self._lock:
            self._queue(name)
            self._db.execute("DELETE FROM messages WHERE seq = ? AND queue = ? AND receipt = ?", (seq, name, token))

    def change_visibility(self, name: str, receipt: str, timeout: int) -> None:
        seq, token = _parse_receipt(receipt)
        with self._lock:
            self._queue(name)
            changed = self._db.execute("UPDATE messages SET visible_at = ? WHERE seq = ? AND queue = ? AND receipt = ?",
                                       (self.now() + timeout * 1000, seq, name, token)).rowcount
            if not changed:
                raise QueueError("MessageNotInflight", "The message referred to isn't in flight.",
                                 "AWS.SimpleQueueService.MessageNotInflight")
            self._arrived.notify_all()

    # Inside the lock ------------------------------------------------------------------------------------------

    def _row(self, name: str) -> tuple[str, str, int, int]:
        row = self._db.execute("SELECT arn, attributes, created, modified FROM queues WHERE name = ?",
                               (name,)).fetchone()
        if row is None:
            raise no_such_queue()
        return row  # type: ignore[no-any-return]

    def _queue(self, name: str) -> dict[str, str]:
        return json.loads(self._row(name)[1])  # type: ignore[no-any-return]

    def _counts(self, name: str) -> dict[str, str]:
        now = self.now()
        visible, hidden, delayed = self._db.execute(
            "SELECT COALESCE(SUM(visible_at <= ?), 0), COALESCE(SUM(visible_at > ? AND receipt IS NOT NULL), 0), "
            "COALESCE(SUM(visible_at > ? AND receipt IS NULL), 0) FROM messages WHERE queue = ?",
            (now, now, now, name)).fetchone()
        return {"ApproximateNumberOfMessages": str(visible), "ApproximateNumberOfMessagesNotVisible": str(hidden),
                "ApproximateNumberOfMessagesDelayed": str(delayed)}

    def _receive_locked(self, name: str, limit: int, visibility: int | None) -> list[Received]:
        attributes = self._queue(name)
        timeout = int(attributes.get("VisibilityTimeout", DEFAULTS["VisibilityTimeout"])) if visibility is None \
            else visibility
        redrive = _redrive(attributes)
        max_receives = int(redrive.get("maxReceiveCount", 0))
        dead_letters = str(redrive.get("deadLetterTargetArn", "")).rpartition(":")[2]
        if dead_letters and self._db.execute("SELECT 1 FROM queues WHERE name = ?", (dead_letters,)).fetchone() is None:
            dead_letters = ""  # a redrive policy naming a queue that is gone: keep the messages here
        now, received, taken = self.now(), [], set()
        self._db.execute("BEGIN IMMEDIATE")
        try:
            while len(received) < limit:  # again only when messages went to the dead-letter queue instead
                rows = [r for r in self._db.execute(
                    "SELECT seq, id, body, attributes, sent, receives, first_receive FROM messages "
                    "WHERE queue = ? AND visible_at <= ? ORDER BY visible_at, seq LIMIT ?",
                    (name, now, limit - len(received) + len(taken))) if r[0] not in taken]
                if not rows:
                    break
                for seq, message_id, body, message_attributes, sent, receives, first in rows:
                    taken.add(seq)
                    if max_receives and receives >= max_receives and dead_letters:
                        self._db.execute("UPDATE messages SET queue = ?, visible_at = ?, receipt = NULL WHERE seq = ?",
                                         (dead_letters, now, seq))
                        continue
                    token = secrets.token_urlsafe(12)
                    self._db.execute("UPDATE messages SET visible_at = ?, receives = ?, first_receive = ?, receipt = ? "
                                     "WHERE seq = ?", (now + timeout * 1000, receives + 1, first or now, token, seq))
                    received.append(Received(message_id, f"{seq}.{token}", body, json.loads(message_attributes), {
                        "SenderId": SENDER_ID, "SentTimestamp": str(sent), "ApproximateReceiveCount": str(receives + 1),
                        "ApproximateFirstReceiveTimestamp": str(first or now)}))
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return received


def _redrive(attributes: Mapping[str, str]) -> dict[str, Any]:
    text = attributes.get("RedrivePolicy")
    return json.loads(text) if text else {}


def _check_attributes(attributes: Mapping[str, str]) -> None:
    if str(attributes.get("FifoQueue", "false")).lower() == "true":
        raise QueueError("UnsupportedOperation", "FIFO queues are not supported by the local queue store "
                                                 "(infra/local/queue_store.py).")
    for key in ("VisibilityTimeout", "DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod"):
        if key in attributes and not str(attributes[key]).isdigit():
            raise QueueError("InvalidAttributeValue", f"Invalid value for the parameter {key}.")


def _parse_receipt(receipt: str) -> tuple[int, str]:
    seq, _, token = receipt.partition(".")
    if not seq.isdigit() or not token:
        raise QueueError("ReceiptHandleIsInvalid", f"The input receipt handle \"{receipt}\" is not a valid receipt "
                         "handle.")
    return int(seq), token
