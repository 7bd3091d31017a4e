"""DynamoDBDataRequests: privacy requests received from Shopify, kept for the merchant to answer.

    PK=P#<program>#DATAREQ#<shard>   SK=R#<request id>     (a few shards: no partition takes every request)

A record holds ids only (no personal data); the member's data is read live when the merchant asks for it.
"""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.dynamodb_conditions import applied
from chalicelib.services.ports.profiles import DataRequest

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DynamoDBDataRequests:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self.table = table_name
        self.client = client

    def record(self, program_id: str, request: DataRequest) -> bool:
        item = {
            "PK": {"S": _pk(program_id, request.request_id)}, "SK": {"S": f"R#{request.request_id}"},
            "request_id": {"S": request.request_id}, "member_id": {"S": request.member_id},
            "shop": {"S": request.shop}, "customer_id": {"S": request.customer_id},
            "orders_requested": {"L": [{"S": o} for o in request.orders_requested]},
            "received_at": {"S": request.received_at.astimezone(UTC).isoformat()},
        }
        return applied(self.client.put_item, TableName=self.table, Item=item,
                       ConditionExpression="attribute_not_exists(PK)")

    def list(self, program_id: str) -> list[DataRequest]:
        found = []
        for partition in shard_partitions(program_id):
            response = self.client.query(TableName=self.table, KeyConditionExpression="PK = :pk",
                                         ExpressionAttributeValues={":pk": {"S": partition}})
            found += [_request(item) for item in response.get("Items", [])]
        return sorted(found, key=lambda r: r.received_at, reverse=True)

    def get(self, program_id: str, request_id: str) -> DataRequest | None:
        item = self.client.get_item(TableName=self.table,
                                    Key={"PK": {"S": _pk(program_id, request_id)},
                                         "SK": {"S": f"R#{request_id}"}}).get("Item")
        return _request(item) if item else None


SHARDS = 4


def _pk(program_id: str, request_id: str) -> str:
    return f"P#{program_id}#DATAREQ#{int(hashlib.sha256(request_id.encode()).hexdigest()[:8], 16) % SHARDS}"


def shard_partitions(program_id: str) -> list[str]:
    return [f"P#{program_id}#DATAREQ#{shard}" for shard in range(SHARDS)]


def _request(item: dict[str, Any]) -> DataRequest:
    return DataRequest(request_id=item["request_id"]["S"], member_id=item["member_id"]["S"],
                       shop=item["shop"]["S"], customer_id=item["customer_id"]["S"],
                       orders_requested=tuple(o["S"] for o in item["orders_requested"]["L"]),
                       received_at=datetime.fromisoformat(item["received_at"]["S"]))
