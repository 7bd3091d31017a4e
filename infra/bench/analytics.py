"""What reading the program's figures costs: the summary service over the day counters of two years of history.

For each program size (orders a day), two years of day counters are written untimed, as the ledger's transactions
would leave them: per day and counter shard, the points counters, the revenue, and the purchase events — `first`
for a customer's first purchase day, `g<n>` for a return n days after the previous purchase day (n drawn from an
exponential distribution, mean 60 days, within the history), `s<n>` for the second purchase day. The nightly
roll-up then writes the month totals (its own cost is shown), and `GET /admin/analytics/summary`'s service reads
periods of 30, 90 and 365 days ending on the last day, with the app's adapters. Round trips and read units (4 KB
units, eventually consistent: half) are counted from the calls the code made.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from chalicelib.adapters.dynamodb_attributes import to_attributes
from chalicelib.adapters.dynamodb_feedback import DynamoDBFeedbackStore
from chalicelib.adapters.dynamodb_figures import FIGURE_SHARDS, DynamoDBFigures, figures_pk
from chalicelib.domain.figures import FIRST, GAP, ISSUED, REDEEMED, REVENUE, SECOND
from chalicelib.services import analytics
from infra.bench.costs import CostModel
from infra.bench.recorder import Recorder

HISTORY_DAYS = 730
SIZES = (30, 3_000)              # orders a day: a shop of ~10,000 customers, and one of ~1,000,000
PERIODS = (30, 90, 365)
END = date(2026, 6, 30)
NOTE = ("KPI reads: the summary service (GET /admin/analytics/summary) over two years of day counters, 8 counter "
        "shards, for shops of 30 and 3,000 orders a day; round trips and estimated read units (4 KB, eventually "
        "consistent) per read, and the nightly roll-up that writes the month totals.")


@dataclass(frozen=True)
class ReadCase:
    orders_a_day: int
    label: str
    round_trips: int
    read_units: float
    write_units: int


class _Program:
    """No nightly run yet, UTC, US dollars, a cent a point: the settings the reads need, without SSM."""

    def latest_counts(self, program_id: str) -> None:
        return None

    def messaging(self, program_id: str) -> Any:
        return SimpleNamespace(policy=SimpleNamespace(timezone="UTC"), currency="USD")

    def rules_at(self, program_id: str, at: datetime) -> Any:
        return SimpleNamespace(point_value=Decimal("0.01"), tiers=())


def _names(rng: random.Random, orders: int, day_index: int) -> dict[str, int]:
    names = {ISSUED: orders * 150, REDEEMED: orders * 40, REVENUE: orders * 85}
    for _ in range(orders):
        gap = int(rng.expovariate(1 / 60)) + 1
        if rng.random() < 0.3 or gap > day_index:
            names[FIRST] = names.get(FIRST, 0) + 1
            continue
        names[f"{GAP}{gap}"] = names.get(f"{GAP}{gap}", 0) + 1
        if rng.random() < 0.25:
            names[f"{SECOND}{gap}"] = names.get(f"{SECOND}{gap}", 0) + 1
    return names


def _fill(reader: Any, table: str, program_id: str, orders_a_day: int, history_days: int) -> None:
    rng = random.Random(orders_a_day)  # noqa: S311 (a reproducible sample, not a secret)
    first = END - timedelta(days=history_days - 1)
    for i in range(history_days):
        day = first + timedelta(days=i)
        for shard in range(FIGURE_SHARDS):
            orders = max(0, round(rng.gauss(orders_a_day / FIGURE_SHARDS, (orders_a_day / FIGURE_SHARDS) ** 0.5)))
            if orders:
                reader.put_item(TableName=table, Item=to_attributes({
                    "PK": figures_pk(program_id, shard), "SK": f"D#{day.isoformat()}", "day": day.isoformat(),
                    **_names(rng, orders, i)}))


def analytics_costs(client: Any, reader: Any, table: str, sizes: tuple[int, ...] = SIZES,
                    periods: tuple[int, ...] = PERIODS, history_days: int = HISTORY_DAYS) -> list[ReadCase]:
    recorder, model = Recorder(client), CostModel(reader)
    cases = []
    for size in sizes:
        program_id = f"bench-analytics-{size}"
        _fill(reader, table, program_id, size, history_days)
        store = DynamoDBFigures(table, client)
        recorder.take()
        analytics.roll_up(program_id, store, END + timedelta(days=1))
        cost = model.cost(recorder.take())
        cases.append(ReadCase(size, "nightly roll-up", sum(cost.calls.values()), cost.read_units, cost.table_units))
        program = _Program()
        sources = analytics.Sources(store, program, DynamoDBFeedbackStore(table, client), program,  # type: ignore[arg-type]
                                    program)
        for days in periods:
            start = END - timedelta(days=days - 1)
            analytics.summary(program_id, start.isoformat(), END.isoformat(), datetime(2026, 6, 30, 12, tzinfo=UTC),
                              sources)
            cost = model.cost(recorder.take())
            cases.append(ReadCase(size, f"{days} days", sum(cost.calls.values()), cost.read_units, 0))
    return cases


def table(cases: list[ReadCase]) -> str:
    rows = [("orders a day", "read", "round trips", "est. RRU", "WRU")] + [
        (f"{c.orders_a_day:,}", c.label, str(c.round_trips), f"{c.read_units:.1f}", str(c.write_units))
        for c in cases]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("| " + " | ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) + " |" for r in rows)
