"""DynamoDBDueWork: what is due by a time, read from the sparse `Due` index day by day, never by scanning.

A day is split over a few shard partitions so that a busy day never makes a hot index partition.
Each program and task keeps a cursor: the first UTC day that may still hold due work. A run reads the day
partitions from the cursor to today, so its cost follows the days since the last run and the work due.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.dynamodb_conditions import applied
from chalicelib.adapters.dynamodb_orders import DUE_INDEX, DUE_SHARDS, due_pk
from chalicelib.services.ports import DueItem

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

FIRST_RUN_LOOKBACK = timedelta(days=7)   # items are never filed before the day they were written


class DynamoDBDueWork:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self.table = table_name
        self.client = client

    def due(self, program_id: str, task: str, until: datetime) -> list[DueItem]:
        """The work items due at or before `until`, oldest first."""
        until = until.astimezone(UTC)
        day = self.cursor(program_id, task) or (until - FIRST_RUN_LOOKBACK).date()
        found: list[DueItem] = []
        while day <= until.date():
            for shard in range(DUE_SHARDS):
                found += self._due_on(due_pk(program_id, task, day, shard), f"{until:%Y-%m-%dT%H:%M:%S}Z~")
            day += timedelta(days=1)
        return sorted(found, key=lambda item: item.due_at)

    def cursor(self, program_id: str, task: str) -> date | None:
        item = self.client.get_item(TableName=self.table, Key=_cursor_key(program_id, task)).get("Item")
        return date.fromisoformat(item["cleared_before"]["S"]) if item else None

    def advance(self, program_id: str, task: str, cleared_before: date) -> None:
        """Days before `cleared_before` hold no more due work; never move the cursor back."""
        applied(self.client.update_item, TableName=self.table, Key=_cursor_key(program_id, task),
                UpdateExpression="SET cleared_before = :d",
                ConditionExpression="attribute_not_exists(cleared_before) OR cleared_before < :d",
                ExpressionAttributeValues={":d": {"S": cleared_before.isoformat()}})

    def _due_on(self, partition: str, before: str) -> list[DueItem]:
        request: dict[str, Any] = {
            "TableName": self.table, "IndexName": DUE_INDEX,
            "KeyConditionExpression": "DUEPK = :pk AND DUESK < :before",
            "ExpressionAttributeValues": {":pk": {"S": partition}, ":before": {"S": before}},
        }
        items: list[DueItem] = []
        while True:
            response = self.client.query(**request)
            for item in response.get("Items", []):
                stamp, _, ref = item["DUESK"]["S"].partition("#")
                items.append(DueItem(ref=ref, due_at=datetime.fromisoformat(stamp.replace("Z", "+00:00"))))
            if "LastEvaluatedKey" not in response:
                return items
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _cursor_key(program_id: str, task: str) -> dict[str, Any]:
    return {"PK": {"S": f"P#{program_id}#JOB#{task}"}, "SK": {"S": "CURSOR"}}
