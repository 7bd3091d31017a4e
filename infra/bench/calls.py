"""What one recorded DynamoDB call wrote and read: the item writes it made, read units, reported capacity."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from infra.bench.recorder import Call
from infra.bench.sizes import item_size

WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}
UNPRICED = {"ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"}  # PartiQL: not modelled


@dataclass(frozen=True)
class Write:
    table: str
    kind: str  # put, update or delete
    key: dict[str, Any] | None  # None for a put: taken from the item
    item: dict[str, Any] | None  # the item a put sends
    transactional: bool


def writes_of(call: Call) -> list[Write]:
    """The item writes a successful call made."""
    p, op = call.params, call.operation
    if op == "PutItem":
        return [Write(p["TableName"], "put", None, p["Item"], False)]
    if op in ("UpdateItem", "DeleteItem"):
        return [Write(p["TableName"], "update" if op == "UpdateItem" else "delete", p["Key"], None, False)]
    if op == "TransactWriteItems":
        return [w for action in p["TransactItems"] for w in _action(*next(iter(action.items())))]
    if op == "BatchWriteItem":
        unprocessed = call.response.get("UnprocessedItems", {})
        return [_batch(table, r) for table, requests in p["RequestItems"].items() for r in requests
                if r not in unprocessed.get(table, [])]
    return []


def _action(kind: str, body: dict[str, Any]) -> list[Write]:
    if kind == "Put":
        return [Write(body["TableName"], "put", None, body["Item"], True)]
    if kind in ("Update", "Delete"):
        return [Write(body["TableName"], kind.lower(), body["Key"], None, True)]
    return []  # ConditionCheck writes nothing


def _batch(table: str, request: dict[str, Any]) -> Write:
    if "PutRequest" in request:
        return Write(table, "put", None, request["PutRequest"]["Item"], False)
    return Write(table, "delete", request["DeleteRequest"]["Key"], None, False)


def read_units(call: Call) -> float:
    """Estimated read units of a GetItem, BatchGetItem, Query or Scan (4 KB units; half if eventually consistent).

    GetItem and BatchGetItem are priced per key, each item rounded up on its own (a missing item costs the
    minimum, one unit); Query and Scan on the total size of the items returned.
    """
    if not call.ok:
        return 0.0
    p, r = call.params, call.response
    if call.operation == "GetItem":
        return _reads([item_size(r["Item"]) if "Item" in r else 0], p.get("ConsistentRead", False))
    if call.operation in ("Query", "Scan"):
        return _reads([sum(item_size(i) for i in r.get("Items", []))], p.get("ConsistentRead", False))
    if call.operation == "BatchGetItem":
        return sum(_batch_reads(request, r["Responses"].get(table, []),
                                r.get("UnprocessedKeys", {}).get(table, {}).get("Keys", []))
                   for table, request in p["RequestItems"].items())
    return 0.0


def _batch_reads(request: dict[str, Any], found: list[dict[str, Any]], unprocessed: list[Any]) -> float:
    missing = len(request["Keys"]) - len(found) - len(unprocessed)
    return _reads([item_size(i) for i in found] + [0] * missing, request.get("ConsistentRead", False))


def _reads(sizes: list[int], consistent: bool) -> float:
    units = sum(max(1, math.ceil(size / 4096)) for size in sizes)
    return float(units) if consistent else units / 2


def reported_units(call: Call) -> float | None:
    """Capacity units DynamoDB itself reported for the call, if it reported any."""
    consumed = call.response.get("ConsumedCapacity")
    if not consumed:
        return None
    return float(sum(c.get("CapacityUnits", 0.0) for c in (consumed if isinstance(consumed, list) else [consumed])))
