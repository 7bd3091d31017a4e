"""What one event's DynamoDB calls cost: items written, write units (table and index), read units, hot partitions.

Puts are priced on the item sent, deletes on the item before. Updates are priced on the larger of the item before
and after: the item after is read back with a second, un-instrumented client (not counted as a round trip); the
item before is the one this model last saw for that key. The table must be fresh and every write must go through
the model (the harness runs each event's calls, and its set-up calls, through `cost`).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from infra.bench.calls import UNPRICED, WRITES, Write, read_units, reported_units, writes_of
from infra.bench.recorder import Call
from infra.bench.sizes import Index, index_write_units, item_size, item_write_units

FIGURES = "#FIG#"      # the day counters' partitions (chalicelib/adapters/dynamodb_figures.py)


@dataclass(frozen=True)
class Schema:
    table: str
    keys: tuple[str, ...]
    indexes: tuple[Index, ...]

    @classmethod
    def describe(cls, client: Any, table: str) -> Schema:
        description = client.describe_table(TableName=table)["Table"]
        return cls(table, tuple(k["AttributeName"] for k in description["KeySchema"]),
                   tuple(Index.from_description(i) for i in description.get("GlobalSecondaryIndexes", [])))


@dataclass
class EventCost:
    calls: Counter[str] = field(default_factory=Counter)
    attempts: int = 0
    items_written: int = 0
    table_units: int = 0
    index_units: int = 0
    read_units: float = 0.0
    failed_transactions: int = 0
    partitions: Counter[str] = field(default_factory=Counter)  # partition key → item writes
    unpriced: Counter[str] = field(default_factory=Counter)
    reported_write_units: float = 0.0  # DynamoDB's own ConsumedCapacity, when asked for (a cross-check)
    reported_read_units: float = 0.0
    unreported_calls: int = 0
    figure_items: int = 0     # of the items written: the day counters (analytics), and their write units
    figure_units: int = 0

    def add(self, other: EventCost) -> None:
        for name in ("attempts", "items_written", "table_units", "index_units", "read_units", "failed_transactions",
                     "reported_write_units", "reported_read_units", "unreported_calls", "figure_items", "figure_units"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.calls.update(other.calls)
        self.partitions.update(other.partitions)
        self.unpriced.update(other.unpriced)


def _tally_reported(cost: EventCost, call: Call) -> None:
    reported = reported_units(call)
    if reported is None:
        cost.unreported_calls += 1
    elif call.operation in WRITES:
        cost.reported_write_units += reported
    else:
        cost.reported_read_units += reported


def _scalar(value: dict[str, Any]) -> str:
    return str(next(iter(value.values())))


class CostModel:
    def __init__(self, reader: Any) -> None:
        self.reader = reader  # un-instrumented client: its read-backs are not round trips of the code
        self.schemas: dict[str, Schema] = {}
        self.items: dict[tuple[str, str], dict[str, Any]] = {}

    def schema(self, table: str) -> Schema:
        if table not in self.schemas:
            self.schemas[table] = Schema.describe(self.reader, table)
        return self.schemas[table]

    def cost(self, calls: list[Call]) -> EventCost:
        cost = EventCost()
        for call in calls:
            cost.calls[call.operation] += 1
            cost.attempts += call.attempts
            cost.read_units += read_units(call)
            _tally_reported(cost, call)
            if call.operation in UNPRICED:
                cost.unpriced[call.operation] += 1
            if call.ok:
                for write in writes_of(call):
                    self._price(write, cost)
            elif call.operation == "TransactWriteItems":
                cost.failed_transactions += 1
        return cost

    def _price(self, write: Write, cost: EventCost) -> None:
        schema = self.schema(write.table)
        key = write.key if write.key is not None else {k: write.item[k] for k in schema.keys}  # type: ignore[index]
        ref = (write.table, repr(sorted((k, _scalar(v)) for k, v in key.items())))
        before = self.items.get(ref)
        after = write.item if write.kind == "put" else self._read(write.table, key) if write.kind == "update" else None
        if after is None:
            self.items.pop(ref, None)
        else:
            self.items[ref] = after
        size_before, size_after = (item_size(i) if i else 0 for i in (before, after))
        cost.items_written += 1
        units = item_write_units(size_before, size_after, write.transactional)
        cost.table_units += units
        if FIGURES in _scalar(key[schema.keys[0]]):
            cost.figure_items += 1
            cost.figure_units += units
        cost.partitions[_scalar(key[schema.keys[0]])] += 1
        for index in schema.indexes:
            units = index_write_units(before, after, index, schema.keys)
            if units:
                cost.index_units += units
                entry = after if after is not None and index.keys[0] in after else before
                cost.partitions[f"{index.name} {_scalar(entry[index.keys[0]])}"] += 1  # type: ignore[index]

    def _read(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        item = self.reader.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
        return dict(item) if item else None
