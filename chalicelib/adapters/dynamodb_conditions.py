"""Conditional writes and transactions: whether DynamoDB applied them, every other error left to raise; batch reads."""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError


def applied(write: Callable[..., Any], **request: Any) -> bool:
    """Run a conditional PutItem / UpdateItem; False when its condition did not hold."""
    try:
        write(**request)
    except ClientError as e:
        if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def transact(client: Any, writes: Sequence[Mapping[str, Any]]) -> None:
    """TransactWriteItems of attribute maps as the adapters assemble them (plain dicts, as the codec builds them)."""
    client.transact_write_items(TransactItems=list(writes))


CONFLICT_RETRIES = 3


def cancellation(client: Any, writes: list[dict[str, Any]]) -> list[str] | None:
    """Run a transaction: None when it applied, else the cancellation reason of each item, in order
    ("ConditionalCheckFailed", "TransactionConflict", "None" for the items that were fine).

    A transaction cancelled only because another one held one of its items at that moment (no condition failed:
    two members' changes adding to one day counter, say) applied nothing, so it is sent again, up to
    CONFLICT_RETRIES times after a short pause."""
    for attempt in range(CONFLICT_RETRIES + 1):
        reasons = _cancelled(client, writes)
        if reasons is None or "ConditionalCheckFailed" in reasons or "TransactionConflict" not in reasons:
            return reasons
        if attempt < CONFLICT_RETRIES:
            time.sleep(0.01 * 2**attempt)
    return reasons


def _cancelled(client: Any, writes: list[dict[str, Any]]) -> list[str] | None:
    try:
        client.transact_write_items(TransactItems=writes)
    except ClientError as e:
        if e.response["Error"]["Code"] != "TransactionCanceledException":
            raise
        return [str(r.get("Code")) for r in e.response.get("CancellationReasons", [])]
    return None


def batch_get(client: Any, table: str, wanted: list[dict[str, Any]], on_backlog: Exception,
              consistent: bool = True) -> list[dict[str, Any]]:
    """BatchGetItem (up to 100 keys), consistent unless told (half the read units), retrying the keys DynamoDB
    leaves unprocessed under load."""
    found: list[dict[str, Any]] = []
    request = {table: {"Keys": wanted, "ConsistentRead": consistent}}
    for attempt in range(8):
        response = client.batch_get_item(RequestItems=request)
        found += response["Responses"].get(table, [])
        request = response.get("UnprocessedKeys") or {}
        if not request:
            return found
        time.sleep(0.02 * 2**attempt)
    raise on_backlog
