"""DynamoDBDueWork: what is due by a time, read from the sparse `Due` index day by day, never by scanning.

A day is split over a few shard partitions so that a busy day never makes a hot index partition.
Each program and task keeps a cursor: the first UTC day that may still hold due work. A run reads the day
partitions from the cursor to today, so its cost follows the days since the last run and the work due.
The cursor never passes the day the clock says it is: a job run as of a later time (`make job AT=...`) must not
skip the items written afterwards, which are filed under the real day they were written.

Items whose handler raised are recorded beside the cursors, one partition per program:

    failure record  PK=P#<program>#JOBS  SK=FAIL#<task>#<ref>   attempts, due_at, first/last failure, error,
                                                                parked_at once parked
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.adapters.clock import SystemClock
from chalicelib.adapters.dynamodb_attributes import from_attributes, item_key, to_attributes, when
from chalicelib.adapters.dynamodb_conditions import applied
from chalicelib.adapters.dynamodb_orders import DUE_INDEX, DUE_SHARDS, due_pk
from chalicelib.services.ports.clock import Clock
from chalicelib.services.ports.due import DueFailure, DueItem

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

FIRST_RUN_LOOKBACK = timedelta(days=7)   # items are never filed before the day they were written


class DynamoDBDueWork:
    def __init__(self, table_name: str, client: DynamoDBClient, clock: Clock | None = None) -> None:
        self.table = table_name
        self.client = client
        self.clock = clock or SystemClock()

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
        return date.fromisoformat(from_attributes(item)["cleared_before"]) if item else None

    def advance(self, program_id: str, task: str, cleared_before: date) -> None:
        """Days before `cleared_before` hold no more due work; never move the cursor past today, nor back."""
        cleared_before = min(cleared_before, self.clock.now().astimezone(UTC).date())
        applied(self.client.update_item, TableName=self.table, Key=_cursor_key(program_id, task),
                UpdateExpression="SET cleared_before = :d",
                ConditionExpression="attribute_not_exists(cleared_before) OR cleared_before < :d",
                ExpressionAttributeValues=to_attributes({":d": cleared_before}))

    def failures(self, program_id: str, task: str) -> dict[str, DueFailure]:
        """The task's failing and parked items, by ref: one Query of the program's failure records for the task."""
        return {f.ref: f for f in self._failures(program_id, f"{FAILURE_PREFIX}{task}#")}

    def record_failure(self, program_id: str, task: str, item: DueItem, at: datetime, error: str) -> int:
        """One UpdateItem adding 1 to the item's attempts at its due time; an item failing at another due time
        (its earlier occurrence was handled or moved) starts again at 1."""
        key = _failure_key(program_id, task, item.ref)
        values = {":task": task, ":ref": item.ref, ":due": _stamp(item.due_at), ":at": _stamp(at), ":error": error}
        try:
            response = self.client.update_item(
                TableName=self.table, Key=key, ReturnValues="UPDATED_NEW",
                UpdateExpression="SET #task = :task, #ref = :ref, #due = :due, #last = :at, #error = :error, "
                                 "#first = if_not_exists(#first, :at) ADD #attempts :one",
                ConditionExpression="attribute_not_exists(PK) OR #due = :due",
                ExpressionAttributeNames=_FAILURE_NAMES, ExpressionAttributeValues=to_attributes({**values, ":one": 1}))
        except ClientError as e:
            if e.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            self.client.put_item(TableName=self.table, Item={**key, **to_attributes({
                "task": task, "ref": item.ref, "due_at": values[":due"], "attempts": 1,
                "first_failed_at": values[":at"], "last_failed_at": values[":at"], "error": error})})
            return 1
        return int(from_attributes(response["Attributes"])["attempts"])

    def park(self, program_id: str, task: str, ref: str, at: datetime) -> None:
        applied(self.client.update_item, TableName=self.table, Key=_failure_key(program_id, task, ref),
                UpdateExpression="SET parked_at = :at", ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeValues=to_attributes({":at": _stamp(at)}))

    def clear_failure(self, program_id: str, task: str, ref: str) -> None:
        self.client.delete_item(TableName=self.table, Key=_failure_key(program_id, task, ref))

    def parked(self, program_id: str) -> list[DueFailure]:
        """The program's parked items, every task: one Query of its failure records (never a scan)."""
        return [f for f in self._failures(program_id, FAILURE_PREFIX) if f.parked_at is not None]

    def _failures(self, program_id: str, prefix: str) -> list[DueFailure]:
        request: dict[str, Any] = {
            "TableName": self.table, "ConsistentRead": True,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": to_attributes({":pk": _failures_pk(program_id), ":prefix": prefix}),
        }
        found: list[DueFailure] = []
        while True:
            response = self.client.query(**request)
            found += [_failure(item) for item in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                return found
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _due_on(self, partition: str, before: str) -> list[DueItem]:
        request: dict[str, Any] = {
            "TableName": self.table, "IndexName": DUE_INDEX,
            "KeyConditionExpression": "DUEPK = :pk AND DUESK < :before",
            "ExpressionAttributeValues": to_attributes({":pk": partition, ":before": before}),
        }
        items: list[DueItem] = []
        while True:
            response = self.client.query(**request)
            for item in response.get("Items", []):
                stamp, _, ref = from_attributes(item)["DUESK"].partition("#")
                items.append(DueItem(ref=ref, due_at=datetime.fromisoformat(stamp.replace("Z", "+00:00"))))
            if "LastEvaluatedKey" not in response:
                return items
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _cursor_key(program_id: str, task: str) -> dict[str, Any]:
    return item_key(f"P#{program_id}#JOB#{task}", "CURSOR")


FAILURE_PREFIX = "FAIL#"
_FAILURE_NAMES = {"#task": "task", "#ref": "ref", "#due": "due_at", "#first": "first_failed_at",
                  "#last": "last_failed_at", "#error": "error", "#attempts": "attempts"}


def _failures_pk(program_id: str) -> str:
    return f"P#{program_id}#JOBS"


def _failure_key(program_id: str, task: str, ref: str) -> dict[str, Any]:
    return item_key(_failures_pk(program_id), f"{FAILURE_PREFIX}{task}#{ref}")


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def _failure(item: dict[str, Any]) -> DueFailure:
    v = from_attributes(item)
    return DueFailure(
        task=v["task"], ref=v["ref"], due_at=datetime.fromisoformat(v["due_at"]), attempts=int(v["attempts"]),
        first_failed_at=datetime.fromisoformat(v["first_failed_at"]),
        last_failed_at=datetime.fromisoformat(v["last_failed_at"]), error=v["error"],
        parked_at=when(v.get("parked_at")))
