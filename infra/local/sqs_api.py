"""The SQS JSON protocol (what boto3 speaks) over the durable local queue store, as a WSGI app.

The moto server process routes every request whose `X-Amz-Target` is `AmazonSQS.*` here, so the app, the pump
and the tests keep using `boto3.client("sqs")` on the same endpoint; only where the messages live changed.
"""
from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

from infra.local.queue_store import (
    SYSTEM_ATTRIBUTES,
    QueueError,
    QueueStore,
    Received,
    invalid,
    md5_of_attributes,
    md5_of_body,
)

log = logging.getLogger("infra.local.sqs")
TARGET_PREFIX = "AmazonSQS."
CONTENT_TYPE = "application/x-amz-json-1.0"
_SIGNED_FOR_SQS = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/sqs/")
Operation = Callable[[QueueStore, dict[str, Any], str], dict[str, Any]]


def is_sqs(environ: dict[str, Any]) -> bool:
    """A request for SQS: the JSON protocol's target header, or (the query protocol) a signature for sqs."""
    return (str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith(TARGET_PREFIX)
            or bool(_SIGNED_FOR_SQS.search(str(environ.get("HTTP_AUTHORIZATION", "")))))


def sqs_app(store: QueueStore) -> Callable[..., list[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        status, body = "200 OK", b""
        headers = [("Content-Type", CONTENT_TYPE), ("x-amzn-RequestId", str(uuid.uuid4()))]
        try:
            if not target.startswith(TARGET_PREFIX):
                raise QueueError("InvalidAction", "The local queue store speaks SQS's JSON protocol only "
                                                  "(boto3/botocore 1.31 or later, AWS CLI 2.13 or later).")
            operation = OPERATIONS.get(target.removeprefix(TARGET_PREFIX))
            if operation is None:
                raise QueueError("UnsupportedOperation", f"{target} is not supported by the local queue store.")
            body = json.dumps(operation(store, _request(environ), _base_url(environ))).encode()
        except QueueError as e:
            status = "400 Bad Request"
            headers.append(("x-amzn-query-error", f"{e.query_code};{'Sender' if e.sender else 'Receiver'}"))
            body = json.dumps({"__type": f"com.amazonaws.sqs#{e.code}", "message": e.message}).encode()
        except Exception:
            log.exception("%s failed", target)
            status = "500 Internal Server Error"
            body = json.dumps({"__type": "com.amazonaws.sqs#InternalError", "message": "internal error"}).encode()
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]

    return app


def _request(environ: dict[str, Any]) -> dict[str, Any]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        parsed = json.loads(raw or b"{}")
    except ValueError:
        raise QueueError("MalformedQueryString", "The request body is not JSON.") from None
    if not isinstance(parsed, dict):
        raise QueueError("MalformedQueryString", "The request body is not a JSON object.")
    return parsed


def _base_url(environ: dict[str, Any]) -> str:
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', '127.0.0.1')}:{environ.get('SERVER_PORT', '')}"
    return f"http://{host}"


def _url(store: QueueStore, base: str, name: str) -> str:
    return f"{base}/{store.account}/{name}"


def _name(request: dict[str, Any]) -> str:
    url = str(request.get("QueueUrl") or "")
    if not url:
        raise QueueError("MissingParameter", "The request must contain the parameter QueueUrl.")
    return url.rstrip("/").rpartition("/")[2]


def create_queue(store: QueueStore, request: dict[str, Any], base: str) -> dict[str, Any]:
    name = str(request.get("QueueName") or "")
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,80}(\.fifo)?", name):
        raise invalid("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
    store.create_queue(name, request.get("Attributes") or {})
    return {"QueueUrl": _url(store, base, name)}


def get_queue_url(store: QueueStore, request: dict[str, Any], base: str) -> dict[str, Any]:
    name = str(request.get("QueueName") or "")
    store.attributes(name, ["QueueArn"])  # raises QueueDoesNotExist
    return {"QueueUrl": _url(store, base, name)}


def list_queues(store: QueueStore, request: dict[str, Any], base: str) -> dict[str, Any]:
    urls = [_url(store, base, n) for n in store.list_queues(str(request.get("QueueNamePrefix") or ""))]
    return {"QueueUrls": urls} if urls else {}


def get_queue_attributes(store: QueueStore, request: dict[str, Any], base: str) -> dict[str, Any]:
    attributes = store.attributes(_name(request), request.get("AttributeNames") or ["All"])
    return {"Attributes": attributes} if attributes else {}


def set_queue_attributes(store: QueueStore, request: dict[str, Any], base: str) -> dict[str, Any]:
    store.set_attributes(_name(request), request.get("Attributes") or {})
    return {}


def delete_queue(store: QueueStore, request: dict[str, Any], base: str) -> dict[str, Any]:
    store.delete_queue(_name(request))
    return {}


def purge_queue(store: QueueStore, request: dict[str, Any], base: str) -> dict[str, Any]:
    store.purge(_name(request))
    return {}


def dead_letter_sources(store: QueueStore, request: dict[str, Any], base: str) -> dict[str, Any]:
    return {"queueUrls": [_url(store, base, n) for n in store.dead_letter_sources(_name(request))]}


def _entry(request: dict[str, Any]) -> tuple[str, dict[str, Any], int | None]:
    body = request.get("MessageBody")
    if not isinstance(body, str) or not body:
        raise QueueError("MissingParameter", "The request must contain the parameter MessageBody.")
    attributes = request.get("MessageAttributes") or {}
    for name, value in attributes.items():
        if not isinstance(value, dict) or "DataType" not in value or not ({"StringValue", "BinaryValue"} & set(value)):
            raise invalid(f"The message attribute '{name}' must contain a non-empty value of type 'String', "
                          "'Number' or 'Binary'.")
    delay = request.get("DelaySeconds")
    if delay is not None and not 0 <= int(delay) <= 900:
        raise invalid(f"Value {delay} for parameter DelaySeconds is invalid. Reason: must be between 0 and 900.")
    return body, attributes, None if delay is None else int(delay)


def _sent(message_id: str, body: str, attributes: dict[str, Any]) -> dict[str, Any]:
    sent = {"MessageId": message_id, "MD5OfMessageBody": md5_of_body(body)}
    digest = md5_of_attributes(attributes)
    return sent | ({"MD5OfMessageAttributes": digest} if digest else {})


def send_message(store: QueueStore, request: dict[str, Any], base: str) -> dict[str, Any]:
    entry = _entry(request)
    [message_id] = store.send(_name(request), [entry])
    return _sent(message_id, entry[0], entry[1])


def _batch(request: dict[str, Any]) -> list[dict[str, Any]]:
    entries = request.get("Entries") or []
    if not entries:
        raise QueueError("EmptyBatchRequest", "There should be at least one entry in the request.",
                         "AWS.SimpleQueueService.EmptyBatchRequest")
    if len(entries) > 10:
        raise QueueError("TooManyEntriesInBatchRequest", f"Maximum number of entries per request are 10. You have "
                         f"sent {len(entries)}.", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest")
    ids = [str(e.get("Id", "")) for e in entries]
    if len(set(ids)) != len(ids):
        raise QueueError("BatchEntryIdsNotDistinct", "Two or more batch entries in the request have the same Id.",
                         "AWS.SimpleQueueService.BatchEntryIdsNotDistinct")
    return list(entries)


def send_message_batch(store: QueueStore, request: dict[str, Any], base: str) -> dict[str, Any]:
    entries = _batch(request)
    parsed = [_entry(e) for e in entries]
    ids = store.send(_name(request), parsed)
    return {"Successful": [{"Id": e["Id"], **_sent(i, p[0], p[1])} for e, i, p in zip(entries, ids, parsed,
                                                                                      strict=True)],
            "Failed": []}


def receive_message(store: QueueStore, request: dict[str, Any], base: str) -> dict[str, Any]:
    name = _name(request)
    limit = int(request.get("MaxNumberOfMessages") or 1)
    if not 1 <= limit <= 10:
        raise invalid(f"Value {limit} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and "
                      "10, if provided.")
    wait = request.get("WaitTimeSeconds")
    if wait is None:
        wait = int(store.attributes(name, ["ReceiveMessageWaitTimeSeconds"])["ReceiveMessageWaitTimeSeconds"])
    if not 0 <= int(wait) <= 20:
        raise invalid(f"Value {wait} for parameter WaitTimeSeconds is invalid. Reason: must be between 0 and 20.")
    visibility = request.get("VisibilityTimeout")
    messages = store.receive(name, limit, None if visibility is None else int(visibility), float(wait))
    system = set(request.get("MessageSystemAttributeNames") or []) | set(request.get("AttributeNames") or [])
    wanted = list(request.get("MessageAttributeNames") or [])
    return {"Messages": [_message(m, system, wanted) for m in messages]} if messages else {}


def _message(message: Received, system: set[str], wanted: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"MessageId": message.message_id, "ReceiptHandle": message.receipt,
                           "MD5OfBody": md5_of_body(message.body), "Body": message.body}
    chosen = {k: v for k, v in message.system.items() if "All" in system or k in system}
    if chosen:
        out["Attributes"] = {k: chosen[k] for k in SYSTEM_ATTRIBUTES if k in chosen}
    attributes = {k: v for k, v in message.attributes.items() if _wanted(k, wanted)}
    if attributes:
        out["MessageAttributes"] = attributes
        out["MD5OfMessageAttributes"] = md5_of_attributes(attributes)
    return out


def _wanted(name: str, wanted: list[str]) -> bool:
    return any(w in ("All", ".*") or w == name or (w.endswith(".*") and name.startswith(w[:-1])) for w in wanted)


def delete_message(store: QueueStore, request: dict[str, Any], base: str) -> dict[str, Any]:
    store.delete(_name(request), str(request.get("ReceiptHandle") or ""))
    return {}


def change_message_visibility(store: QueueStore, request: dict[str, Any], base: str) -> dict[str, Any]:
    store.change_visibility(_name(request), str(request.get("ReceiptHandle") or ""),
                            int(request.get("VisibilityTimeout") or 0))
    return {}


def _each(entries: list[dict[str, Any]], action: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    successful, failed = [], []
    for entry in entries:
        try:
            action(entry)
            successful.append({"Id": entry["Id"]})
        except QueueError as e:
            failed.append({"Id": entry["Id"], "SenderFault": e.sender, "Code": e.query_code, "Message": e.message})
    return {"Successful": successful, "Failed": failed}


def delete_message_batch(store: QueueStore, request: dict[str, Any], base: str) -> dict[str, Any]:
    name = _name(request)
    return _each(_batch(request), lambda e: store.delete(name, str(e.get("ReceiptHandle") or "")))


def change_message_visibility_batch(store: QueueStore, request: dict[str, Any], base: str) -> dict[str, Any]:
    name = _name(request)
    return _each(_batch(request), lambda e: store.change_visibility(name, str(e.get("ReceiptHandle") or ""),
                                                                   int(e.get("VisibilityTimeout") or 0)))


OPERATIONS: dict[str, Operation] = {
    "CreateQueue": create_queue, "GetQueueUrl": get_queue_url, "ListQueues": list_queues,
    "GetQueueAttributes": get_queue_attributes, "SetQueueAttributes": set_queue_attributes,
    "DeleteQueue": delete_queue, "PurgeQueue": purge_queue, "ListDeadLetterSourceQueues": dead_letter_sources,
    "SendMessage": send_message, "SendMessageBatch": send_message_batch, "ReceiveMessage": receive_message,
    "DeleteMessage": delete_message, "DeleteMessageBatch": delete_message_batch,
    "ChangeMessageVisibility": change_message_visibility,
    "ChangeMessageVisibilityBatch": change_message_visibility_batch,
}
