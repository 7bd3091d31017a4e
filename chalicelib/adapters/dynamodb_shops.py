"""DynamoDBShopData: finds and deletes everything one shop brought in, through the sparse `Shop` index.

Members and orders are filed under their shop when created; a member's partition (profile, entries, due
items, events, guards of one-off facts are keyed by program) goes whole. Work is done in slices: a call
deletes at most `limit` items and says whether anything is left, so a job can stop within its time.
"""
from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.adapters.dynamodb_attributes import from_attributes, item_key, to_attributes
from chalicelib.adapters.dynamodb_orders import due_keys
from chalicelib.adapters.dynamodb_requests import shard_partitions
from chalicelib.domain.due import SHOP_ERASURE_TASK

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DynamoDBShopData:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self.table = table_name
        self.client = client

    def schedule_erasure(self, program_id: str, shop: str, now: datetime) -> None:
        """Put the shop's erasure on the Due index (again), so a job does it and resumes it if cut short."""
        self.client.put_item(TableName=self.table, Item=to_attributes({
            "PK": _task_pk(program_id, shop), "SK": "TASK", "shop": shop, "requested_at": now,
            **due_keys(program_id, now, SHOP_ERASURE_TASK, shop, now)}))

    def erase_slice(self, program_id: str, shop: str, limit: int) -> bool:
        """Delete up to `limit` items of the shop; True when nothing of it is left."""
        deleted = 0
        for shard in range(keys.SHOP_SHARDS):
            for pk in self._filed(program_id, shop, shard):
                deleted += self._delete_partition(pk)
                if deleted >= limit:
                    return False
        self._delete_data_requests(program_id, shop)
        self.client.delete_item(TableName=self.table, Key=item_key(_task_pk(program_id, shop), "TASK"))
        return True

    def _delete_data_requests(self, program_id: str, shop: str) -> None:
        for partition in shard_partitions(program_id):
            response = self.client.query(
                TableName=self.table, KeyConditionExpression="PK = :pk", FilterExpression="shop = :shop",
                ExpressionAttributeValues=to_attributes({":pk": partition, ":shop": shop}))
            items = response.get("Items", [])
            for start in range(0, len(items), 25):
                self._batch_delete(items[start:start + 25])

    def _filed(self, program_id: str, shop: str, shard: int) -> list[str]:
        response = self.client.query(
            TableName=self.table, IndexName="Shop", KeyConditionExpression="SHOPPK = :pk",
            ExpressionAttributeValues=to_attributes({":pk": keys.shop_partition(program_id, shop, shard)}), Limit=100)
        return [from_attributes(item)["SHOPSK"] for item in response.get("Items", [])]

    def _delete_partition(self, pk: str) -> int:
        """Every item under one partition key (a member with its ledger, or an order)."""
        count = 0
        request: dict[str, Any] = {"TableName": self.table, "KeyConditionExpression": "PK = :pk",
                                   "ExpressionAttributeValues": to_attributes({":pk": pk}),
                                   "ProjectionExpression": "PK, SK"}
        while True:
            response = self.client.query(**request)
            items = response.get("Items", [])
            for start in range(0, len(items), 25):
                self._batch_delete(items[start:start + 25])
            count += len(items)
            if "LastEvaluatedKey" not in response:
                return count
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _batch_delete(self, items: list[dict[str, Any]]) -> None:
        deletes = [{"DeleteRequest": {"Key": {"PK": i["PK"], "SK": i["SK"]}}} for i in items]
        pending: dict[str, Any] = {self.table: deletes}
        for attempt in range(8):
            pending = self.client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                return
            time.sleep(0.05 * 2**attempt)      # throttled: back off, as AWS advises for unprocessed items
        raise RuntimeError("DynamoDB kept refusing the deletes; the erasure resumes on the next run")


def _task_pk(program_id: str, shop: str) -> str:
    return f"P#{program_id}#SHOPERASE#{shop}"
