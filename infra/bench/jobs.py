"""Due-work job scaling: `expire_inactive` over populations of different sizes with the same work due.

For each size: a fresh table (deleted and created again by the local bootstrap's creator), the population
bulk-loaded untimed (population.py), a rules version with inactivity expiry after 12 months stored through the
app's DynamoDBRules, then the job run twice with the app's adapters: the first run (no cursor yet) and the
steady state (cursor set). Round trips, items written and write units are counted as for the worker's events.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from time import perf_counter
from typing import Any

from chalicelib import bootstrap
from chalicelib.domain.program import EPOCH, INACTIVITY, Expiry, ProgramRules
from chalicelib.services.jobs import JobReport, expire_inactive
from infra.bench.costs import CostModel
from infra.bench.local import create_table
from infra.bench.population import INACTIVITY_MONTHS, bulk_load, population
from infra.bench.recorder import Recorder
from infra.bench.runner import use_client
from infra.local.settings import program_settings

SIZES = (100, 10_000)
DUE = 10
RUNS = ("first", "steady state")
RULES = ProgramRules(version="bench-inactivity-12", effective_from=EPOCH,
                     expiry=Expiry(INACTIVITY, INACTIVITY_MONTHS))


@dataclass
class JobRun:
    population: int
    due: int
    run: str
    calls: Counter[str] = field(default_factory=Counter)
    items_written: int = 0
    write_units: int = 0
    seconds: float = 0.0
    done: int = 0
    failed: int = 0

    @property
    def round_trips(self) -> int:
        return sum(self.calls.values())


@dataclass
class Scaling:
    runs: list[JobRun] = field(default_factory=list)
    load_seconds: dict[int, float] = field(default_factory=dict)

    def steady_ratio(self) -> float | None:
        """Steady-state round trips of the largest population over those of the smallest."""
        steady = {r.population: r.round_trips for r in self.runs if r.run == RUNS[-1]}
        if len(steady) < 2 or not steady[min(steady)]:
            return None
        return steady[max(steady)] / steady[min(steady)]


def reset_table(client: Any, table: str) -> None:
    """Delete the app's table and create it again with the local bootstrap's creator (as local.create_table)."""
    client.delete_table(TableName=table)
    client.get_waiter("table_not_exists").wait(TableName=table, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    if create_table(client) != table:
        raise RuntimeError(f"the template no longer creates {table}")


class JobBench:
    """`client` is the one the app's adapters use (instrumented); `reader` loads the population and reads back."""

    def __init__(self, client: Any, reader: Any, table: str, threads: int = 4) -> None:
        self.client, self.reader, self.table, self.threads = client, reader, table, threads
        self.recorder = Recorder(client)
        settings = program_settings({})
        self.program_id, self.shop = settings.program_id, settings.shop_domain

    def prepare(self, size: int, due: int, now: datetime) -> tuple[CostModel, float]:
        """Fresh table, population, rules; returns the cost model that saw every item written and the load time."""
        reset_table(self.reader, self.table)
        model = CostModel(self.reader)
        started = perf_counter()
        calls = bulk_load(self.reader, self.table, population(self.table, self.program_id, self.shop, size, due, now),
                          self.threads)
        seconds = perf_counter() - started
        model.cost(calls)  # so that later updates and deletes are priced on the item before
        use_client(self.client)  # fresh adapters: no rules cached from earlier runs
        bootstrap.get_rules().add_version(self.program_id, RULES)
        model.cost(self.recorder.take())
        return model, seconds

    def job(self, now: datetime) -> JobReport:
        """The job under test, with the adapters chalicelib.bootstrap builds."""
        return expire_inactive(self.program_id, now, bootstrap.get_ledger(), bootstrap.get_due_work(),
                               bootstrap.get_rules())

    def run(self, model: CostModel, size: int, due: int, label: str, now: datetime) -> JobRun:
        self.recorder.take()
        started = perf_counter()
        report = self.job(now)
        seconds = perf_counter() - started
        cost = model.cost(self.recorder.take())
        return JobRun(size, due, label, cost.calls, cost.items_written, cost.table_units + cost.index_units, seconds,
                      report.done, len(report.failed))


def job_scaling(client: Any, reader: Any, table: str, sizes: Sequence[int] = SIZES, due: int = DUE,
                threads: int = 4, now: datetime | None = None, bench_type: type[JobBench] = JobBench) -> Scaling:
    """Run the bench's job (`expire_inactive` by default) twice over each population size, each with `due` members
    due; the table is reset."""
    now = now or datetime.now(UTC)
    bench, scaling = bench_type(client, reader, table, threads), Scaling()
    for size in sizes:
        model, scaling.load_seconds[size] = bench.prepare(size, due, now)
        scaling.runs += [bench.run(model, size, due, label, now) for label in RUNS]
    return scaling
