"""The nightly journey run's costs: chalicelib.services.journey_run over a seeded member population, in-process.

For each size: a fresh table, N profiles bulk-loaded with BatchWriteItem (untimed) as the award path leaves them
(`pd_YYYYMMDD` purchase days, filed in the `Members` index, the journey their last order set), drawn from the BG/NBD
and Gamma-Gamma processes with the CDNOW estimates (most customers one purchase day, a tail with many; a few tens of
dollars a day), plus PROSPECTS of them with no purchase day. Then:

- the floor: every profile read once through the `Members` index with the run's page size (Query + eventually
  consistent BatchGetItem, nothing decoded or written), on the same client;
- the run: `journey_run.start` then `journey_run.run_task` for each queued task until none is left, with the real
  DynamoDB adapters on DynamoDB Local, a list as the TaskQueue, the real ScipyCustomerModel, ProgramRules() as the
  rules, and the real DynamoDBJourneyStore whose S3 client is an in-memory stand-in (MemoryS3: put_object,
  get_object, list_objects_v2; the store's gzip CSV code runs unchanged);
- the fit alone on N summaries drawn the same way (no DynamoDB), timed, then again under tracemalloc for its peak.

Round trips, read and write units come from the recorder (every call asks ReturnConsumedCapacity=INDEXES and
DynamoDB Local answers); read units are also estimated from the item sizes returned (calls.read_units). The tasks of
the last shard run under tracemalloc (their peak Python memory); the seconds per shard task: the others' median.
"""
from __future__ import annotations

import io
import json
import math
import os
import random
import tracemalloc
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from time import perf_counter
from typing import Any

from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.adapters.customer_model import ScipyCustomerModel
from chalicelib.adapters.dynamodb_codec import day_attribute, journey_attributes
from chalicelib.adapters.dynamodb_journey import DynamoDBJourneyStore, DynamoDBMemberShards
from chalicelib.domain.journey import Journey, Stage, State, day_start
from chalicelib.domain.program import ProgramRules
from chalicelib.domain.purchase_history import PurchaseSummary
from chalicelib.services import journey_run
from chalicelib.services.journey_run import PAGE, JourneyDeps, parse_task
from chalicelib.services.ports.customer_model import DEFAULT_MINIMUM
from infra.bench.calls import WRITES, read_units, reported_units, writes_of
from infra.bench.costs import CostModel
from infra.bench.jobs import reset_table
from infra.bench.population import bulk_load, member_items
from infra.bench.recorder import Call, Recorder
from infra.local.settings import program_settings

SIZES = (10_000,)
LARGE = 100_000
LARGE_ENV = "BENCH_JOURNEY_LARGE"         # set to 1 (or pass --journey-large) to also run 100,000 members
TARGET = 1_000_000
PROSPECTS = 0.1                           # share of members with no purchase day
SEED = 20260401
AS_OF = datetime(2026, 4, 1, 2, 0, tzinfo=UTC)
HISTORY_WEEKS = 78                        # first purchases spread over the 18 months before the run
MAX_DAYS = 150
# CDNOW (Fader, Hardie and Lee 2005): BG/NBD r, α (weeks), a, b; Gamma-Gamma p, q, γ (dollars)
R, ALPHA, A, B = 0.243, 4.414, 0.793, 2.426
P, Q, GAMMA = 6.25, 3.74, 15.44
WRU_PRICE, RRU_PRICE = 0.625, 0.125       # $ per million, on demand (shared/reference/practice.md §12)
LAMBDA_GB_SECOND, LAMBDA_MEMORY_GB = 0.0000166667, 1769 / 1024   # x86 $/GB-s; handle_journey's 1,769 MB
PHASES = ("start", *journey_run.PHASES)
FIRST_NIGHT, NEXT_NIGHT = "first night", "next night"   # every member's first evaluation; a night later: the movers
TRACED = keys.MEMBER_SHARDS - 1        # the last shard's tasks: run warm, after every first-use allocation


# ---------------------------------------------------------------------------------------------------- population

def purchase_days(rng: random.Random, as_of: date) -> dict[date, Decimal]:
    """One customer's purchase days and their merchandise value, by the BG/NBD and Gamma-Gamma processes."""
    age_weeks = rng.uniform(0.5, HISTORY_WEEKS)
    rate, drop = rng.gammavariate(R, 1 / ALPHA), rng.betavariate(A, B)
    nu = rng.gammavariate(Q, 1 / GAMMA)
    first = as_of - timedelta(days=int(age_weeks * 7))
    times, t = [0.0], 0.0
    while len(times) < MAX_DAYS and rng.random() >= drop:
        t += rng.expovariate(rate) if rate > 0 else math.inf
        if t > age_weeks:
            break
        times.append(t)
    days = sorted({first + timedelta(days=int(w * 7)) for w in times if first + timedelta(days=int(w * 7)) <= as_of})
    return {d: Decimal(str(round(max(1.0, rng.gammavariate(P, 1 / nu)), 2))) for d in days}


def profile(table: str, program_id: str, shop: str, n: int, days: dict[date, Decimal]) -> dict[str, Any]:
    """The n-th member's profile as the award path leaves it after its last order (or a prospect's)."""
    item = member_items(table, program_id, shop, n, False, AS_OF)[0]
    mid = item["member_id"]["S"]
    item |= {"MEMBERPK": {"S": keys.members_partition(program_id, keys.member_shard(mid))}, "MEMBERSK": {"S": mid}}
    if days:
        first, last = day_start(min(days)), day_start(max(days))
        stage = Stage.FIRST_TIME if len(days) == 1 else Stage.REPEAT
        set_by_order = journey_attributes(Journey(stage, last, State.ACTIVE, last))
        item |= {name: {"S": value.isoformat() if isinstance(value, datetime) else str(value)}
                 for name, value in set_by_order.items()}
        item |= {day_attribute(d): {"N": str(v)} for d, v in days.items()}
        item |= {"created_at": {"S": first.isoformat()}, "last_activity_at": {"S": last.isoformat()}}
    return item


def members(table: str, program_id: str, shop: str, size: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(SEED)  # noqa: S311 (a reproducible draw, not a secret)
    for n in range(size):
        prospect = rng.random() < PROSPECTS
        yield profile(table, program_id, shop, n, {} if prospect else purchase_days(rng, AS_OF.date()))


def summaries(size: int, seed: int = SEED) -> list[PurchaseSummary]:
    """N customers' summaries drawn the same way, for the fit alone."""
    rng, end = random.Random(seed), AS_OF.date()  # noqa: S311
    found: list[PurchaseSummary] = []
    while len(found) < size:
        days = purchase_days(rng, end)
        order = sorted(days)
        x = len(order) - 1
        zbar = sum((days[d] for d in order[1:]), Decimal(0)) / x if x else Decimal(0)
        found.append(PurchaseSummary(x, (order[-1] - order[0]).days, (end - order[0]).days, zbar))
    return found


# ---------------------------------------------------------------------------------------------------- stand-ins

class MemoryS3:
    """What DynamoDBJourneyStore asks of S3 (put_object, get_object, list_objects_v2 pages), in memory; counts calls."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}
        self.requests: Counter[str] = Counter()

    def put_object(self, Bucket: str, Key: str, Body: bytes, **_: Any) -> dict[str, Any]:  # noqa: N803
        self.requests["PutObject"] += 1
        self.objects[(Bucket, Key)] = Body
        return {}

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:  # noqa: N803
        self.requests["GetObject"] += 1
        return {"Body": io.BytesIO(self.objects[(Bucket, Key)])}

    def get_paginator(self, name: str) -> MemoryS3:
        assert name == "list_objects_v2"  # noqa: S101
        return self

    def paginate(self, Bucket: str, Prefix: str) -> Iterator[dict[str, Any]]:  # noqa: N803
        self.requests["ListObjectsV2"] += 1
        yield {"Contents": [{"Key": k} for b, k in sorted(self.objects) if b == Bucket and k.startswith(Prefix)]}

    def stored_bytes(self) -> int:
        return sum(len(body) for body in self.objects.values())


class ListQueue:
    def __init__(self) -> None:
        self.bodies: list[dict[str, object]] = []
        self.sent = 0

    def send(self, tasks: Sequence[dict[str, object]]) -> None:
        self.bodies += tasks
        self.sent += len(tasks)


class DefaultRules:
    def rules_at(self, program_id: str, at: datetime) -> ProgramRules:
        return ProgramRules()


# ---------------------------------------------------------------------------------------------------- measuring

@dataclass
class Cost:
    tasks: int = 0
    seconds: float = 0.0
    calls: Counter[str] = field(default_factory=Counter)
    read_units: float = 0.0             # DynamoDB Local's ConsumedCapacity
    write_units: float = 0.0
    est_read_units: float = 0.0         # from the item sizes returned
    est_write_units: int = 0           # by item sizes (costs.CostModel: x2 in transactions, index entries)
    items_written: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    task_seconds: list[float] = field(default_factory=list)     # untraced tasks only
    peak_bytes: int = 0                 # largest tracemalloc peak of a traced task

    @property
    def round_trips(self) -> int:
        return sum(self.calls.values())

    def add(self, calls: list[Call], model: CostModel | None = None) -> None:
        if model is not None:
            priced = model.cost(calls)
            self.est_write_units += priced.table_units + priced.index_units
        for call in calls:
            self.calls[call.operation] += 1
            self.est_read_units += read_units(call)
            reported = reported_units(call) or 0.0
            if call.operation in WRITES:
                self.write_units += reported
            else:
                self.read_units += reported
            if call.ok:
                self.items_written += len(writes_of(call))
            else:
                self.failed[f"{call.operation} {call.error_code}"] += 1


@dataclass
class Fit:
    summaries: int
    seconds: float
    peak_bytes: int
    status: str


@dataclass
class Night:
    members: int
    customers: int
    load_seconds: float
    floor: Cost
    phases: dict[str, Cost]
    s3_requests: Counter[str]
    s3_bytes: int
    tasks_sent: int
    segments: dict[str, int]
    label: str = FIRST_NIGHT

    @property
    def total(self) -> Cost:
        total = Cost()
        for cost in self.phases.values():
            total.tasks += cost.tasks
            total.seconds += cost.seconds
            total.calls.update(cost.calls)
            total.failed.update(cost.failed)
            for name in ("read_units", "write_units", "est_read_units", "est_write_units", "items_written"):
                setattr(total, name, getattr(total, name) + getattr(cost, name))
            total.peak_bytes = max(total.peak_bytes, cost.peak_bytes)
        return total


def floor(client: Any, recorder: Recorder, table: str, program_id: str) -> Cost:
    """Every profile read once through the `Members` index, PAGE at a time, eventually consistent; nothing else."""
    cost = Cost(tasks=keys.MEMBER_SHARDS)
    recorder.take()
    started = perf_counter()
    for shard in range(keys.MEMBER_SHARDS):
        start: dict[str, Any] = {}
        partition = {":pk": {"S": keys.members_partition(program_id, shard)}}
        while True:
            page = client.query(TableName=table, IndexName="Members", Limit=PAGE,
                                KeyConditionExpression="MEMBERPK = :pk", ExpressionAttributeValues=partition, **start)
            wanted = [{"PK": i["PK"], "SK": i["SK"]} for i in page.get("Items", [])]
            while wanted:
                got = client.batch_get_item(RequestItems={table: {"Keys": wanted, "ConsistentRead": False}})
                wanted = got.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
            if "LastEvaluatedKey" not in page:
                break
            start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}
    cost.seconds = perf_counter() - started
    cost.add(recorder.take())
    return cost


def fit_alone(size: int) -> Fit:
    """ScipyCustomerModel.fit on `size` drawn summaries: timed, then again under tracemalloc for the peak."""
    found, model = summaries(size), ScipyCustomerModel()
    started = perf_counter()
    result = model.fit(found, DEFAULT_MINIMUM)
    seconds = perf_counter() - started
    tracemalloc.start()
    model.fit(found, DEFAULT_MINIMUM)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return Fit(size, seconds, peak, str(result.status))


class RunClock:
    """The run's wall clock is the night's as_of (it files CRM sync marks)."""

    def now(self) -> datetime:
        return AS_OF


class JourneyBench:
    """`client` is the one the adapters use (instrumented); `reader` resets the table and loads the population."""

    def __init__(self, client: Any, reader: Any, table: str) -> None:
        self.client, self.reader, self.table = client, reader, table
        self.recorder = Recorder(client, ask_capacity=True)
        self.model = CostModel(reader)
        settings = program_settings({})
        self.program_id, self.shop = settings.program_id, settings.shop_domain

    def nights(self, size: int) -> list[Night]:
        """The first night (every member evaluated for the first time: all of them written) and the next one, a day
        later, when only the members whose stage, state, scores or prediction moved are written."""
        reset_table(self.reader, self.table)
        self.model = CostModel(self.reader)
        started = perf_counter()
        bulk_load(self.reader, self.table, self._seen(members(self.table, self.program_id, self.shop, size)))
        load_seconds = perf_counter() - started
        base = floor(self.client, self.recorder, self.table, self.program_id)
        return [self._night(size, AS_OF, load_seconds, base, FIRST_NIGHT),
                self._night(size, AS_OF + timedelta(days=1), load_seconds, base, NEXT_NIGHT)]

    def _night(self, size: int, as_of: datetime, load_seconds: float, base: Cost, label: str) -> Night:
        s3, queue, model = MemoryS3(), ListQueue(), ScipyCustomerModel()
        store = DynamoDBJourneyStore(self.table, self.client, s3, lambda: "bench-bucket")  # type: ignore[arg-type]
        deps = JourneyDeps(DynamoDBMemberShards(self.table, self.client), store, queue, lambda: model, DefaultRules(),
                           RunClock())
        phases = {name: Cost() for name in PHASES}
        self.recorder.take()
        self._timed(phases["start"], False, lambda: journey_run.start(self.program_id, as_of, deps))
        while queue.bodies:
            task = parse_task(_json(queue.bodies.pop(0)))
            traced = task.shard == TRACED and task.phase != journey_run.FIT
            self._timed(phases[task.phase], traced, lambda t=task: journey_run.run_task(t, deps))
        fitted = store.model(self.program_id, as_of)
        counts = store.latest_counts(self.program_id)
        self.recorder.take()  # the two reads above are the bench's, not the run's
        return Night(size, fitted.customers if fitted else 0, load_seconds, base, phases, s3.requests,
                     s3.stored_bytes(), queue.sent, counts[1] if counts else {}, label)

    def _seen(self, items: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """The items as loaded, for the cost model (an update is priced on the larger of the item before and after)."""
        for item in items:
            key = sorted((name, str(next(iter(item[name].values())))) for name in ("PK", "SK"))
            self.model.items[(self.table, repr(key))] = item
            yield item

    def _timed(self, cost: Cost, traced: bool, work: Any) -> None:
        if traced:
            tracemalloc.start()
        started = perf_counter()
        work()
        seconds = perf_counter() - started
        if traced:
            cost.peak_bytes = max(cost.peak_bytes, tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
        else:
            cost.task_seconds.append(seconds)
        cost.tasks += 1
        cost.seconds += seconds
        cost.add(self.recorder.take(), self.model)


def _json(body: dict[str, object]) -> str:
    return json.dumps(body)


@dataclass
class JourneyResults:
    nights: list[Night]
    fits: list[Fit]


def sizes_wanted(large: bool | None = None) -> tuple[int, ...]:
    if large is None:
        large = os.environ.get(LARGE_ENV, "") not in ("", "0")
    return (*SIZES, LARGE) if large else SIZES


def journey_costs(client: Any, reader: Any, table: str, large: bool | None = None) -> JourneyResults:
    """One night per size (the table is reset each time), then the fit alone at 10,000 and 100,000 summaries."""
    bench = JourneyBench(client, reader, table)
    nights = [night for size in sizes_wanted(large) for night in bench.nights(size)]
    return JourneyResults(nights, [fit_alone(size) for size in sorted({10_000, LARGE})])
