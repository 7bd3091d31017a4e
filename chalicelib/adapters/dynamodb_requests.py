"""DynamoDBDataRequests: privacy requests received from Shopify, kept for the merchant to answer.

    PK=P#<program>#DATAREQ#<shard>   SK=R#<request id>     (a few shards: no partition takes every request)

A record holds ids only (no personal data); the member's data is read live when the merchant asks for it.
"""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.dynamodb_attributes import from_attributes, item_key, to_attributes
from chalicelib.adapters.dynamodb_conditions import applied
from chalicelib.services.ports.profiles import DataRequest

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DynamoDBDataRequests:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self.table = table_name
        self.client = client

    def record(self, program_id: str, request: DataRequest) -> bool:
        item = to_attributes({
            "PK": _pk(program_id, request.request_id), "SK": f"R#{request.request_id}",
            "request_id": request.request_id, "member_id": request.member_id, "shop": request.shop,
            "customer_id": request.customer_id, "orders_requested": list(request.orders_requested),
            "received_at": request.received_at.astimezone(UTC),
        })
        return applied(self.client.put_item, TableName=self.table, Item=item,
                       ConditionExpression="attribute_not_exists(PK)")

    def list(self, program_id: str) -> list[DataRequest]:
        found = []
        for partition in shard_partitions(program_id):
            response = self.client.query(TableName=self.table, KeyConditionExpression="PK = :pk",
                                         ExpressionAttributeValues=to_attributes({":pk": partition}))
            found += [_request(item) for item in response.get("Items", [])]
        return sorted(found, key=lambda r: r.received_at, reverse=True)

    def get(self, program_id: str, request_id: str) -> DataRequest | None:
        item = self.client.get_item(TableName=self.table,
                                    Key=item_key(_pk(program_id, request_id), f"R#{request_id}")).get("Item")
        return _request(item) if item else None


SHARDS = 4


def _pk(program_id: str, request_id: str) -> str:
    return f"P#{program_id}#DATAREQ#{int(hashlib.sha256(request_id.encode()).hexdigest()[:8], 16) % SHARDS}"


def shard_partitions(program_id: str) -> list[str]:
    return [f"P#{program_id}#DATAREQ#{shard}" for shard in range(SHARDS)]


def _request(item: dict[str, Any]) -> DataRequest:
    v = from_attributes(item)
    return DataRequest(request_id=v["request_id"], member_id=v["member_id"], shop=v["shop"],
                       customer_id=v["customer_id"], orders_requested=tuple(v["orders_requested"]),
                       received_at=datetime.fromisoformat(v["received_at"]))
