"""The bench's output: an aligned Markdown table, the hot-key check, a per-operation breakdown and JSON."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from infra.bench.runner import KindResult

COLUMNS = ("kind", "events", "DynamoDB round trips / event", "items written / event", "est. write units / event",
           "events/s", "floor events/s", "ratio")
UNITS_NOTE = (
    "Write units are estimated by this harness, not reported by DynamoDB: each item written is sized by AWS's "
    "\"Item sizes and formats\" rules and costs one unit per started KB; x2 inside TransactWriteItems; an update "
    "is priced on the larger of the item before and after (read back on an uncounted client); each GSI entry put "
    "or changed adds its projection's units (delete + put when its key changes; not doubled); canceled "
    "transactions are priced at 0."
)
FLOOR_NOTE = ("Floor: one bare two-item TransactWriteItems (Put attribute_not_exists + Update ADD) per iteration, "
              "same client and DynamoDB Local, interleaved with each kind's events; ratio = events/s / floor "
              "events/s. Only time inside apply_delivery (floor: inside the call) is counted.")


def row(result: KindResult) -> dict[str, Any]:
    cost = result.cost
    return {
        "kind": result.kind, "events": result.events,
        "round_trips_per_event": result.per_event(sum(cost.calls.values())),
        "items_written_per_event": result.per_event(cost.items_written),
        "write_units_per_event": result.per_event(cost.table_units + cost.index_units),
        "events_per_second": result.events_per_second, "floor_events_per_second": result.floor_per_second,
        "ratio": result.ratio,
    }


def details(result: KindResult) -> dict[str, Any]:
    cost, per = result.cost, result.per_event
    key, events = result.key_events.most_common(1)[0] if result.key_events else (None, 0)
    return {
        "calls_per_event": {op: per(n) for op, n in sorted(cost.calls.items())},
        "http_attempts_per_event": per(cost.attempts),
        "failed_transactions_per_event": per(cost.failed_transactions),
        "table_write_units_per_event": per(cost.table_units),
        "index_write_units_per_event": per(cost.index_units),
        "read_units_per_event": per(cost.read_units),
        "reported_write_units_per_event": None if cost.unreported_calls else per(cost.reported_write_units),
        "reported_read_units_per_event": None if cost.unreported_calls else per(cost.reported_read_units),
        "outcomes": dict(result.outcomes),
        "unpriced_calls": dict(cost.unpriced),
        "hottest_key": {"key": key, "events": events, "item_writes": result.key_writes.get(key, 0) if key else 0},
        "max_item_writes_one_key": max(result.key_writes.values(), default=0),
    }


def table(results: Sequence[KindResult]) -> str:
    return markdown([COLUMNS] + [_cells(row(r)) for r in results])


def markdown(cells: Sequence[Sequence[str]], left: frozenset[int] = frozenset({0})) -> str:
    """An aligned Markdown table: the first row is the header; columns in `left` are text, the others numbers."""
    widths = [max(len(line[i]) for line in cells) for i in range(len(cells[0]))]

    def line(values: Sequence[str]) -> str:
        padded = [v.ljust(w) if i in left else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths, strict=True))]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join("-" * (w + 2) if i in left else "-" * (w + 1) + ":" for i, w in enumerate(widths)) + "|"
    return "\n".join([line(cells[0]), rule, *(line(c) for c in cells[1:])])


def _cells(r: dict[str, Any]) -> tuple[str, ...]:
    return (r["kind"], str(r["events"]), f"{r['round_trips_per_event']:.2f}", f"{r['items_written_per_event']:.2f}",
            f"{r['write_units_per_event']:.2f}", f"{r['events_per_second']:.0f}",
            f"{r['floor_events_per_second']:.0f}", f"{r['ratio']:.2f}")


def hot_keys(results: Sequence[KindResult]) -> list[str]:
    """Per kind: the partition key written by the most events; a warning above half the kind's events."""
    lines = ["Hot keys (table and GSI partition keys; no item may be written by every event of a program):"]
    for result in results:
        d = details(result)
        hottest = d["hottest_key"]
        if hottest["key"] is None:
            lines.append(f"  {result.kind}: no item written")
            continue
        lines.append(f"  {result.kind}: max events writing one partition key: {hottest['events']} of "
                     f"{result.events} ({hottest['key']}); max item writes to one partition key: "
                     f"{d['max_item_writes_one_key']}")
        if result.events > 1 and hottest["events"] > result.events / 2:
            lines.append(f"WARNING: {result.kind}: partition key {hottest['key']} was written by "
                         f"{hottest['events']} of {result.events} events (more than half): a hot key")
    return lines


def breakdown(results: Sequence[KindResult]) -> list[str]:
    lines = []
    for result in results:
        d = details(result)
        calls = ", ".join(f"{op} {n:.2f}" for op, n in d["calls_per_event"].items()) or "none"
        outcomes = ", ".join(f"{name} x{n}" for name, n in sorted(d["outcomes"].items()))
        lines += [f"{result.kind}:",
                  f"  per event: {calls}; HTTP attempts {d['http_attempts_per_event']:.2f}; "
                  f"failed transactions {d['failed_transactions_per_event']:.2f}",
                  f"  est. write units per event: table {d['table_write_units_per_event']:.2f} + "
                  f"indexes {d['index_write_units_per_event']:.2f}; est. read units per event "
                  f"{d['read_units_per_event']:.2f}",
                  f"  ConsumedCapacity the backend reported per event: {_reported(d)} (cross-check only: DynamoDB "
                  "Local's transaction figures do not follow AWS's per-item doubling; it charges 0 for missing "
                  "batch keys)",
                  f"  outcomes: {outcomes}"]
        if d["unpriced_calls"]:
            lines.append(f"  WARNING: writes by {', '.join(d['unpriced_calls'])} are not priced")
    return lines


def _reported(d: dict[str, Any]) -> str:
    if d["reported_write_units_per_event"] is None:
        return "not reported by this backend"
    return f"write {d['reported_write_units_per_event']:.2f}, read {d['reported_read_units_per_event']:.2f}"


def as_json(results: Sequence[KindResult], meta: dict[str, Any]) -> dict[str, Any]:
    return {**meta, "units_note": UNITS_NOTE, "floor_note": FLOOR_NOTE,
            "kinds": [{**row(r), **details(r)} for r in results]}


def figure_lines(results: Sequence[KindResult]) -> list[str]:
    """What the day counters (analytics) add to each kind that writes them: items and write units per event."""
    out = []
    for r in results:
        if r.events and r.cost.figure_items:
            total = (r.cost.table_units + r.cost.index_units) / r.events
            out.append(f"{r.kind}: {r.cost.figure_items / r.events:.2f} counter items, "
                       f"{r.cost.figure_units / r.events:.2f} WRU of the {total:.2f} per event")
    return ["Day counters (analytics) in the worker's transactions:", *out] if out else []
