"""One partition's items, newest first, a page at a time (the admin listings of records kept under one key)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.adapters.cursors import decode_cursor, encode_cursor, item_cursor
from chalicelib.adapters.dynamodb_attributes import to_attributes

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def newest_first(client: DynamoDBClient, table: str, pk: str, cursor: str | None,
                 limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """Up to `limit` items in descending sort-key order, and the next page's cursor. The query reads one item ahead,
    so the last page carries no cursor."""
    request: dict[str, Any] = {"TableName": table, "KeyConditionExpression": "PK = :pk",
                               "ExpressionAttributeValues": to_attributes({":pk": pk}), "ScanIndexForward": False,
                               "Limit": limit + 1}
    if cursor:
        request["ExclusiveStartKey"] = decode_cursor(cursor, pk)
    response = client.query(**request)
    items, last = response.get("Items", []), response.get("LastEvaluatedKey")
    following = item_cursor(items[limit - 1]) if len(items) > limit else encode_cursor(last) if last else None
    return items[:limit], following if items else None
