"""Drive each kind's events through the real worker path, with the floor interleaved in blocks.

The worker's dependencies come from the app's composition root (chalicelib.bootstrap) with two overrides: the
settings of the `local` stage and the instrumented DynamoDB client. `worker_call` makes the call
chalicelib/jobs/worker.py makes. Only the time inside it (and, for the floor, inside `transact_write_items`) is
timed; building envelopes and pricing writes (which reads items back on another client) happens off the clock.
"""
from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from time import perf_counter
from typing import Any

from chalicelib import bootstrap
from chalicelib.config import load_settings
from chalicelib.services.deliveries import apply_delivery
from chalicelib.services.ports.connectors import ConnectorSettings
from infra.bench.costs import CostModel, EventCost
from infra.bench.kinds import KINDS, SETUP, Envelope, warm_up
from infra.bench.recorder import Recorder
from infra.local.settings import chalice_config, program_settings


def use_client(client: Any) -> None:
    """Make the composition root build the worker's adapters on `client`, with the local stage's settings and AWS's
    cache age (300 s: the local stage's 5 s would let a slow machine re-read the rules mid-run, a cost AWS does not
    see). Without SSM and Secrets Manager here, whether the program syncs a CRM is the local program's answer
    (infra/local/settings.py: no connector unless its tokens are set)."""
    bootstrap.reset()
    bootstrap.override("settings", load_settings({**chalice_config().environment_variables,
                                                  "LOYALTY_CACHE_SECONDS": "300"}))
    bootstrap.override("client:dynamodb", client)
    local = program_settings()
    syncs = ConnectorSettings(shop=local.shop_domain, shopify_admin_api_base=local.shopify_admin_api_base,
                              hubspot_access_token=local.hubspot_access_token,
                              shopify_access_token=local.shopify_access_token).syncs
    bootstrap.override("crm_sync_marks", lambda program_id: syncs)


@cache
def _ports() -> tuple[str, ...]:
    parameters = list(inspect.signature(apply_delivery).parameters.values())[1:]
    return tuple(p.name for p in parameters if p.default is p.empty)


def worker_call(envelope: Envelope) -> Any:
    """What chalicelib.jobs.worker.apply_record does with a queued envelope, minus SQS and logging:
    `apply_delivery(envelope, <each port from the composition root>)`. Each required parameter after the envelope
    is built by the bootstrap getter of the same name (ledger → get_ledger(), clock → get_clock(), ...), so the
    bench follows the worker when a port is added."""
    return apply_delivery(envelope, *(getattr(bootstrap, f"get_{name}")() for name in _ports()))


class Floor:
    """One bare two-item TransactWriteItems per iteration: a guarded Put of a fresh key and an ADD on a fresh item."""

    def __init__(self, client: Any, table: str) -> None:
        self.client, self.table, self.count = client, table, 0

    def request(self, j: int) -> dict[str, Any]:
        return {"TransactItems": [
            {"Put": {"TableName": self.table, "Item": {"PK": {"S": f"BENCH#F#{j}"}, "SK": {"S": "FACT"}},
                     "ConditionExpression": "attribute_not_exists(PK)"}},
            {"Update": {"TableName": self.table, "Key": {"PK": {"S": f"BENCH#M#{j}"}, "SK": {"S": "COUNTER"}},
                        "UpdateExpression": "ADD n :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        ]}

    def run(self, iterations: int) -> float:
        seconds = 0.0
        for _ in range(iterations):
            self.count += 1
            request = self.request(self.count)
            start = perf_counter()
            self.client.transact_write_items(**request)
            seconds += perf_counter() - start
        return seconds


@dataclass
class KindResult:
    kind: str
    events: int = 0
    seconds: float = 0.0
    floor_iterations: int = 0
    floor_seconds: float = 0.0
    cost: EventCost = field(default_factory=EventCost)
    outcomes: Counter[str] = field(default_factory=Counter)
    key_events: Counter[str] = field(default_factory=Counter)  # partition key → events that wrote it
    key_writes: Counter[str] = field(default_factory=Counter)  # partition key → item writes

    def add(self, seconds: float, outcome: str, cost: EventCost) -> None:
        self.events += 1
        self.seconds += seconds
        self.outcomes[outcome] += 1
        self.cost.add(cost)
        self.key_writes.update(cost.partitions)
        self.key_events.update(cost.partitions.keys())

    def per_event(self, value: float) -> float:
        return value / self.events if self.events else 0.0

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    @property
    def floor_per_second(self) -> float:
        return self.floor_iterations / self.floor_seconds if self.floor_seconds else 0.0

    @property
    def ratio(self) -> float:
        return self.events_per_second / self.floor_per_second if self.floor_per_second else 0.0


class Bench:
    def __init__(self, client: Any, reader: Any, table: str, block: int = 25, ask_capacity: bool = False) -> None:
        self.recorder = Recorder(client, ask_capacity)  # counts the calls of `client` only; `reader` stays uncounted
        self.model = CostModel(reader)
        use_client(client)
        self.floor = Floor(client, table)
        self.block = block

    def apply(self, envelope: Envelope) -> tuple[float, str, EventCost]:
        self.recorder.take()
        start = perf_counter()
        outcome = worker_call(envelope)
        seconds = perf_counter() - start
        status = f"{outcome.status} ({outcome.reason})" if outcome.reason else outcome.status
        return seconds, status, self.model.cost(self.recorder.take())

    def warm_up(self, iterations: int) -> None:
        """DynamoDB Local's JIT needs a few hundred requests of each shape before its speed settles."""
        for start in range(0, iterations, self.block):
            self.floor.run(min(self.block, iterations - start))
            for i in range(start, min(start + self.block, iterations)):
                self.apply(warm_up(i))

    def run_kind(self, kind: str, events: int) -> KindResult:
        build, result = KINDS[kind], KindResult(kind)
        for envelope in SETUP.get(kind, lambda _: [])(events):
            self.apply(envelope)  # untimed and uncounted, but priced so later updates know the item before
        for start in range(0, events, self.block):
            size = min(self.block, events - start)
            result.floor_seconds += self.floor.run(size)
            result.floor_iterations += size
            for i in range(start, start + size):
                result.add(*self.apply(build(i)))
        return result


def run_bench(client: Any, reader: Any, table: str, kinds: Sequence[str], events: int, block: int = 25,
              warm_up_iterations: int = 200, ask_capacity: bool = False) -> list[KindResult]:
    """`client` is the one the ledger uses (instrumented); `reader` a second client for uncounted read-backs."""
    bench = Bench(client, reader, table, block, ask_capacity)
    bench.warm_up(warm_up_iterations)
    return [bench.run_kind(kind, events) for kind in kinds]
