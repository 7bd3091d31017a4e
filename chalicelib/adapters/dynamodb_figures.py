"""The day counters on the table: one small item per day and shard, updated inside the ledger's own transactions.

    day counters   PK=P#<program>#FIG#<shard>   SK=D#<YYYY-MM-DD>   one number per counter name (domain.figures)
    month totals   PK=P#<program>#FIGTOTAL      SK=M#<YYYY-MM>      the ledger counters summed from the first day
                                                                    to the month's end, as of the last roll-up

A change's counters are `ADD`s in the transaction that writes its entries, guarded by the same conditions (the
business fact, the order's version, the profile's version): a redelivered or replayed event is refused with its
entries and counts nothing. The shard is the member's (a hash of its id), so one member's changes land on one item
per day while different members spread over `FIGURE_SHARDS` partitions; reading a period is one Query per shard.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.dynamodb_attributes import from_attributes, item_key, query_pages, to_attributes
from chalicelib.domain.figures import Delta, Totals, by_day, summed

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

FIGURE_SHARDS = 8
DAY, TOTAL = "D#", "M#"
_KEYS = frozenset({"PK", "SK", "day", "month", "type"})


def figures_pk(program_id: str, shard: int) -> str:
    return f"P#{program_id}#FIG#{shard}"


def totals_pk(program_id: str) -> str:
    return f"P#{program_id}#FIGTOTAL"


def figure_shard(member_id: str) -> int:
    return int(hashlib.sha256(member_id.encode()).hexdigest()[:8], 16) % FIGURE_SHARDS


def figure_updates(table: str, program_id: str, member_id: str, deltas: Iterable[Delta]) -> list[dict[str, Any]]:
    """One `Update` per day the deltas touch (usually one), for a transaction."""
    pk = figures_pk(program_id, figure_shard(member_id))
    updates = []
    for day, names in by_day(deltas).items():
        ordered = sorted(names.items())
        update = {
            "TableName": table, "Key": item_key(pk, f"{DAY}{day.isoformat()}"),
            "UpdateExpression": "SET #day = :day ADD " + ", ".join(f"#n{i} :v{i}" for i in range(len(ordered))),
            "ExpressionAttributeNames": {"#day": "day", **{f"#n{i}": name for i, (name, _) in enumerate(ordered)}},
            "ExpressionAttributeValues": to_attributes(
                {":day": day.isoformat(), **{f":v{i}": value for i, (_, value) in enumerate(ordered)}}),
        }
        updates.append({"Update": update})
    return updates


class DynamoDBFigures:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self.table = table_name
        self.client = client

    def days(self, program_id: str, first: date | None, last: date) -> dict[date, dict[str, Decimal]]:
        """Every shard's counters of the days from `first` (None: the first day) to `last`, added up."""
        if first is not None and first > last:
            return {}                   # no day (DynamoDB refuses a BETWEEN whose bounds are reversed)
        low = f"{DAY}{first.isoformat()}" if first else DAY
        return summed([self._shard(program_id, shard, low, f"{DAY}{last.isoformat()}")
                       for shard in range(FIGURE_SHARDS)])

    def _shard(self, program_id: str, shard: int, low: str, high: str) -> dict[date, dict[str, Decimal]]:
        request: dict[str, Any] = {
            "TableName": self.table, "KeyConditionExpression": "PK = :pk AND SK BETWEEN :low AND :high",
            "ExpressionAttributeValues": to_attributes({":pk": figures_pk(program_id, shard), ":low": low,
                                                        ":high": high})}
        return {date.fromisoformat(item["SK"]["S"][len(DAY):]): _numbers(item)
                for item in query_pages(self.client, request)}

    def totals(self, program_id: str, before: date) -> tuple[date, Totals] | None:
        """The latest month totals whose month ends before `before`: (the month's last day, the totals)."""
        response = self.client.query(
            TableName=self.table, KeyConditionExpression="PK = :pk AND SK < :before", ScanIndexForward=False,
            Limit=1, ExpressionAttributeValues=to_attributes({":pk": totals_pk(program_id),
                                                              ":before": f"{TOTAL}{before:%Y-%m}"}))
        items = response.get("Items", [])
        if not items:
            return None
        found = from_attributes(items[0])
        return date.fromisoformat(found["through"]), Totals(
            Decimal(found["issued"]), Decimal(found["redeemed"]), Decimal(found["expired"]),
            Decimal(found["reversed"]))

    def save_totals(self, program_id: str, months: Sequence[tuple[date, Totals]]) -> None:
        """Month totals, each keyed by its month (`through` is the month's last day)."""
        for through, t in months:
            self.client.put_item(TableName=self.table, Item=to_attributes({
                "PK": totals_pk(program_id), "SK": f"{TOTAL}{through:%Y-%m}", "through": through.isoformat(),
                "issued": t.issued, "redeemed": t.redeemed, "expired": t.expired, "reversed": t.reversed}))


def _numbers(item: Mapping[str, Any]) -> dict[str, Decimal]:
    return {name: Decimal(value["N"]) for name, value in item.items() if name not in _KEYS and "N" in value}
