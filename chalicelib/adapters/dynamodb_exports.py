"""DynamoDBShopIndex: a program's members, their ledgers and its orders, page by page through the `Shop` index.

Members and order accounts are filed under their shop over 16 shards (dynamodb_keys.shop_keys); a listing
walks the shards in order and each shard by key, reading only the keys it needs (never a Scan), then gets
the items themselves in batches. Each page looks one item ahead, so the last page carries no cursor.
"""
from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any

from chalicelib.adapters import dynamodb_codec as codec
from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.adapters.dynamodb_attributes import from_attributes, item_key, key_of, to_attributes
from chalicelib.adapters.dynamodb_orders import ORDER, account_from_item
from chalicelib.adapters.shop_cursor import (
    LEDGER,
    MEMBERS,
    ORDERS,
    Position,
    decode_position,
    encode_position,
    key_prefix,
)
from chalicelib.domain.accounting import OrderAccount
from chalicelib.domain.errors import ConcurrentChange
from chalicelib.domain.ledger import LedgerEntry, Member

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

INDEX = "Shop"
_ITEM_SK = {MEMBERS: keys.PROFILE, LEDGER: keys.PROFILE, ORDERS: ORDER}


class DynamoDBShopIndex:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self.table = table_name
        self.client = client

    def member_page(self, program_id: str, shop: str, cursor: str | None,
                    limit: int) -> tuple[list[Member], str | None]:
        """Up to `limit` member profiles in shard and key order, and the cursor of the next page."""
        filed = list(islice(self._filed(program_id, shop, MEMBERS, decode_position(cursor, MEMBERS, program_id, shop),
                                        limit + 1), limit + 1))
        page = filed[:limit]
        found = {key_of(i)[0]: codec.member_from_item(i) for i in self._get([(pk, keys.PROFILE) for _, pk in page])}
        following = encode_position(MEMBERS, Position(*page[-1])) if len(filed) > limit else None
        return [found[pk] for _, pk in page if pk in found], following

    def order_accounts(self, program_id: str, shop: str, cursor: str | None,
                       reads: int) -> tuple[list[OrderAccount], str | None]:
        """The order accounts of at most `reads` index items, and the cursor of the rest."""
        filed = list(islice(self._filed(program_id, shop, ORDERS, decode_position(cursor, ORDERS, program_id, shop),
                                        reads + 1), reads + 1))
        page = filed[:reads]
        found = {key_of(i)[0]: account_from_item(i) for i in self._get([(pk, ORDER) for _, pk in page])}
        following = encode_position(ORDERS, Position(*page[-1])) if len(filed) > reads else None
        return [found[pk] for _, pk in page if pk in found], following

    def profiles(self, program_id: str, member_ids: Sequence[str]) -> dict[str, Member]:
        wanted = [(keys.member_pk(program_id, m), keys.PROFILE) for m in dict.fromkeys(member_ids)]
        return {m.member_id: m for m in (codec.member_from_item(i) for i in self._get(wanted))}

    def ledger_page(self, program_id: str, shop: str, cursor: str | None,
                    limit: int) -> tuple[list[tuple[str, LedgerEntry]], str | None]:
        """Up to `limit` entries, member by member (oldest first within a member), and the next page's cursor."""
        start = decode_position(cursor, LEDGER, program_id, shop)
        rows: list[tuple[Position, dict[str, Any]]] = []
        members: Iterator[tuple[int, str]] = self._filed(program_id, shop, LEDGER, start, 100)
        if start.entry is not None and start.after is not None:     # finish the member the last page stopped in
            members = _chain((start.shard, start.after), members)
        for shard, pk in members:
            entry = start.entry if (shard, pk) == (start.shard, start.after) else None
            rows += [(Position(shard, pk, key_of(i)[1]), i) for i in self._entries(pk, entry, limit + 1 - len(rows))]
            if len(rows) > limit:
                break
        following = encode_position(LEDGER, rows[limit - 1][0]) if len(rows) > limit else None
        return [(from_attributes(i)["member_id"], codec.entry_from_item(i)) for _, i in rows[:limit]], following

    def _filed(self, program_id: str, shop: str, listing: str, start: Position,
               batch: int) -> Iterator[tuple[int, str]]:
        """(shard, partition key) of every item the listing files under the shop, after `start`, lazily."""
        prefix = key_prefix(program_id, shop, listing)
        for shard in range(start.shard, keys.SHOP_SHARDS):
            partition = keys.shop_partition(program_id, shop, shard)
            request: dict[str, Any] = {
                "TableName": self.table, "IndexName": INDEX, "Limit": min(batch, 1000),
                "KeyConditionExpression": "SHOPPK = :pk AND begins_with(SHOPSK, :prefix)",
                "ExpressionAttributeValues": to_attributes({":pk": partition, ":prefix": prefix})}
            after = start.after if shard == start.shard else None
            if after is not None:
                request["ExclusiveStartKey"] = to_attributes({"SHOPPK": partition, "SHOPSK": after, "PK": after,
                                                              "SK": _ITEM_SK[listing]})
            while True:
                response = self.client.query(**request)
                yield from ((shard, from_attributes(i)["SHOPSK"]) for i in response.get("Items", []))
                if "LastEvaluatedKey" not in response:
                    break
                request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _entries(self, pk: str, after: str | None, limit: int) -> list[dict[str, Any]]:
        request: dict[str, Any] = {
            "TableName": self.table, "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": to_attributes({":pk": pk, ":prefix": keys.ENTRY_PREFIX}), "Limit": limit}
        if after is not None:
            request["ExclusiveStartKey"] = item_key(pk, after)
        items: list[dict[str, Any]] = []
        while len(items) < limit:
            response = self.client.query(**request)
            items += response.get("Items", [])
            if "LastEvaluatedKey" not in response:
                break
            request.update(ExclusiveStartKey=response["LastEvaluatedKey"], Limit=limit - len(items))
        return items[:limit]

    def _get(self, wanted: list[tuple[str, str]]) -> list[dict[str, Any]]:
        """BatchGetItem in slices of 100, retrying what DynamoDB leaves unprocessed."""
        found: list[dict[str, Any]] = []
        for start in range(0, len(wanted), 100):
            request: Any = {self.table: {"Keys": [item_key(pk, sk) for pk, sk in wanted[start:start + 100]]}}
            for attempt in range(8):
                response = self.client.batch_get_item(RequestItems=request)
                found += response["Responses"].get(self.table, [])
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
                time.sleep(0.02 * 2**attempt)
            else:
                raise ConcurrentChange("DynamoDB kept some reads unprocessed; try the page again")
        return found


def _chain(first: tuple[int, str], rest: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    yield first
    yield from rest
