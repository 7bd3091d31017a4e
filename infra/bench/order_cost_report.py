"""The cost of 100,000 orders: what order_cost.py measured per order, times the list prices, line by line.

Prices: us-east-1 list prices, as ../shared/reference/practice.md section 12 gives them (no free tier).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from infra.bench.order_cost import MIX, Usage
from infra.bench.report import markdown
from infra.local.settings import chalice_config

ORDERS = 100_000
TARGET = 1.00               # $ per 100,000 orders without email (the project's target)
M = 1_000_000


@dataclass(frozen=True)
class Price:
    dollars: float          # per unit
    label: str


GB_SECOND = 0.0000166667    # Lambda x86_64, $ per GB-s, billed by the started ms
API_GATEWAY = Price(3.50 / M, "$3.50 / M")
PARTNER_EVENT = Price(1.00 / M, "$1.00 / M (assumed)")
LAMBDA_REQUEST = Price(0.20 / M, "$0.20 / M")
SQS_REQUEST = Price(0.40 / M, "$0.40 / M")
WRITE_UNIT = Price(0.625 / M, "$0.625 / M")
READ_UNIT = Price(0.125 / M, "$0.125 / M")
LOG_KB = Price(0.50 / M, "$0.50 / GB")        # CloudWatch Logs ingestion: a KB is a millionth of a GB (10^3 / 10^9)
PRICES = ("Prices: API Gateway REST API (what Chalice deploys) $3.50 per M requests; EventBridge $1.00 per M events "
          "(practice.md lists custom events; Shopify's partner events are assumed to cost the same); Lambda $0.20 per "
          "M requests and $0.0000166667 per GB-s (x86_64, each invocation billed by the started ms); SQS $0.40 per M "
          "requests, each started 64 KB of a request's messages a request; DynamoDB on demand $0.625 per M write "
          "units, $0.125 per M read units; CloudWatch Logs $0.50 per GB ingested.")


def lambda_ms(memory: int) -> Price:
    """A billed millisecond of a function with `memory` MB."""
    return Price(GB_SECOND * memory / 1024 / 1000, f"${GB_SECOND * memory / 1024 * 1000:.4f} / M")


@dataclass(frozen=True)
class Line:
    name: str
    price: Price
    per_order: float        # units per order

    @property
    def dollars(self) -> float:
        """$ per ORDERS orders."""
        return self.per_order * self.price.dollars * ORDERS


def memory_mb(function: str) -> int:
    """The function's memory in .chalice/config.json."""
    return int(chalice_config(function_name=function).lambda_memory_size or 128)


def lines(usage: Usage, every: bool = False) -> list[Line]:
    """What each order cost, line by line (a line the intake does not use is left out unless `every`)."""
    per, d = usage.per_order, usage.dynamodb
    found = [Line("API Gateway requests", API_GATEWAY, per(usage.api_requests)),
             Line("EventBridge events", PARTNER_EVENT, per(usage.partner_events))]
    for function, use in (("api_handler", usage.ingress), ("handle_ingest", usage.worker)):
        memory = memory_mb(function)
        found += [Line(f"Lambda requests, {function}", LAMBDA_REQUEST, per(use.invocations)),
                  Line(f"Lambda billed ms, {function} ({memory} MB)", lambda_ms(memory), per(use.billed_ms))]
    found += [Line("SQS requests", SQS_REQUEST, per(sum(usage.sqs.values()))),
              Line("DynamoDB write units", WRITE_UNIT, per(d.table_units + d.index_units)),
              Line("DynamoDB read units", READ_UNIT, per(d.read_units)),
              Line("CloudWatch Logs KB (the app's lines)", LOG_KB,
                   per(usage.ingress.log_bytes + usage.worker.log_bytes) / 1000)]
    return [line for line in found if line.per_order or every]


def total(usage: Usage) -> float:
    return sum(line.dollars for line in lines(usage))


def _heading(usage: Usage) -> str:
    return usage.intake if usage.batching == "backlog" else f"{usage.intake}, {usage.batching}"


def table(usages: Sequence[Usage]) -> str:
    """One column per run: units per order → $ per 100,000 orders; then the totals and their ratio to TARGET."""
    priced = [{line.name: line for line in lines(u)} for u in usages]
    prices = {line.name: line.price.label for line in lines(usages[0], every=True)}
    names = [name for name in prices if any(name in found for found in priced)]
    rows = [("line", "list price", *(_heading(u) for u in usages))]
    rows += [(name, prices[name], *(f"{f[name].per_order:.2f} → ${f[name].dollars:.3f}" if name in f else "–"
                                    for f in priced)) for name in names]
    totals = [total(u) for u in usages]
    rows += [("total per 100,000 orders", "", *(f"${t:.2f}" for t in totals)),
             (f"÷ ${TARGET:.2f} target", "", *(f"{t / TARGET:.2f}" for t in totals))]
    return markdown(rows, left=frozenset({0, 1}))


def note(usages: Sequence[Usage]) -> str:
    backlog = next(u for u in usages if u.batching == "backlog")
    return (f"The cost of {ORDERS:,} orders, without email: each order's webhook through the real handlers (see "
            f"infra/bench/order_cost.py), {backlog.orders} orders per intake over a backlog (the worker's batches "
            f"full) and {usages[-1].orders} one at a time (a quiet shop: a batch per order). Mix: {MIX}. Units per "
            f"order → $ per 100,000 orders at us-east-1 list prices (practice.md section 12, no free tier). {PRICES} "
            "Not included: email, cold starts (INIT), Lambda's idle polling of the queue, storage, data transfer, "
            "Lambda's own START/END/REPORT log lines.")


def time_lines(usages: Sequence[Usage]) -> list[str]:
    """Function time per order beside its floors, and the assumption that carries it to AWS."""
    out = []
    for u in usages:
        ingress = (f"api_handler {1000 * u.per_order(u.ingress.seconds):.1f} ms per webhook (floor: a bare "
                   f"SendMessage of its message, {1000 * u.per_order(u.ingress_floor):.1f} ms); "
                   if u.ingress.invocations else "")
        out.append(f"{_heading(u)}: {ingress}handle_ingest {1000 * u.worker.seconds / u.worker.invocations:.1f} ms "
                   f"per invocation of {u.orders / u.worker.invocations:.1f} orders = "
                   f"{1000 * u.per_order(u.worker.seconds):.1f} ms per order (floor: a bare two-item transaction "
                   f"per order, {1000 * u.per_order(u.worker_floor):.1f} ms)")
    return ["Function time, measured here (loopback moto server and DynamoDB Local, warm). Assumed: Lambda on AWS "
            "takes as long (its calls cross a network, on a slower CPU share).", *out, *_unexpected(usages)]


def _unexpected(usages: Sequence[Usage]) -> list[str]:
    calls = sorted({call for u in usages for call in u.other_calls})
    return [f"WARNING: calls not priced here (caches should make them none): {', '.join(calls)}"] if calls else []


def as_json(usages: Sequence[Usage]) -> list[dict[str, Any]]:
    return [{"intake": u.intake, "batching": u.batching, "orders": u.orders, "mix": MIX,
             "batches": {str(k): v for k, v in sorted(u.batches.items())}, "sqs_requests": dict(u.sqs),
             "dynamodb_calls": dict(u.dynamodb.calls), "other_calls": dict(u.other_calls),
             "lines": [{"line": line.name, "per_order": line.per_order, "dollars_per_100k": line.dollars}
                       for line in lines(u)], "total_per_100k": total(u)} for u in usages]
