"""The day counters on moto: transactions add to one item per day and shard, a period reads every shard back added
up, and the nightly roll-up's month totals give the same outstanding points as summing every day."""
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from chalicelib import bootstrap
from chalicelib.adapters.dynamodb_figures import FIGURE_SHARDS, figure_updates
from chalicelib.domain import figures as f
from chalicelib.services import analytics

TODAY = date(2026, 6, 30)


def add(member_id, day, **names):
    client, table = bootstrap.client("dynamodb"), bootstrap.get_settings().table_name
    deltas = [f.Delta(day, name, Decimal(value)) for name, value in names.items()]
    client.transact_write_items(TransactItems=figure_updates(table, "demo", member_id, deltas))


def outstanding(start, end):
    found = analytics.summary("demo", start, end, datetime(2026, 6, 30, 12, tzinfo=UTC), bootstrap.get_analytics())
    return found.current.figures.points_outstanding


def test_members_spread_over_the_shards_and_a_period_adds_them_up(aws):
    members = [f"m_{n:024x}" for n in range(40)]
    for m in members:
        add(m, date(2026, 3, 1), issued=10, first=1)
    days = bootstrap.get_figures().days("demo", date(2026, 3, 1), date(2026, 3, 1))
    assert days == {date(2026, 3, 1): {"issued": Decimal(400), "first": Decimal(40)}}
    client, table = bootstrap.client("dynamodb"), bootstrap.get_settings().table_name
    partitions = {i["PK"]["S"] for i in client.scan(TableName=table)["Items"] if "#FIG#" in i["PK"]["S"]}
    assert 1 < len(partitions) <= FIGURE_SHARDS


def test_month_totals_give_the_same_outstanding_points_as_every_day(aws):
    day = date(2025, 8, 1)
    for n in range(300):          # a fact every day from 1 August 2025 to 27 May 2026
        add(f"m_{n % 7:024x}", day + timedelta(days=n), issued=100, redeemed=30, expired=5, reversed=1)
    before = [outstanding("2026-06-01", "2026-06-30"), outstanding("2025-09-01", "2025-09-30"),
              outstanding("2026-02-01", "2026-04-15")]
    assert analytics.roll_up("demo", bootstrap.get_figures(), TODAY) == {"months": 10}     # August to May
    assert bootstrap.get_figures().totals("demo", date(2026, 6, 1))[0] == date(2026, 5, 31)
    after = [outstanding("2026-06-01", "2026-06-30"), outstanding("2025-09-01", "2025-09-30"),
             outstanding("2026-02-01", "2026-04-15")]
    assert after == before
    assert after[:2] == [300 * 64, 61 * 64]             # 64 net points a day; 61 days from 1 August to 30 September


def test_reversed_bounds_read_nothing_on_dynamodb_local_where_a_reversed_between_is_refused(dynamodb_local_table):
    from chalicelib.adapters.dynamodb_figures import DynamoDBFigures
    from chalicelib.adapters.dynamodb_journey import DynamoDBJourneyStore
    table, client = dynamodb_local_table
    client.transact_write_items(TransactItems=figure_updates(table, "demo", "m_1", [
        f.Delta(date(2026, 3, 1), "issued", Decimal(10))]))
    figures = DynamoDBFigures(table, client)
    assert figures.days("demo", date(2026, 3, 2), date(2026, 3, 1)) == {}
    assert figures.days("demo", date(2026, 3, 1), date(2026, 3, 1)) == {date(2026, 3, 1): {"issued": Decimal(10)}}
    runs = DynamoDBJourneyStore(table, client, None, lambda: "unused")      # runs() reads the table only
    assert runs.runs("demo", datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)) == []
