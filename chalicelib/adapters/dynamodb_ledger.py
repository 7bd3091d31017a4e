"""DynamoDBLedger: the ledger repository on one DynamoDB table, one transaction per entry."""
from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.adapters import dynamodb_codec as codec
from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.adapters.cursors import decode_cursor, encode_cursor
from chalicelib.domain.errors import DuplicateEntry
from chalicelib.domain.ledger import Identity, LedgerEntry, LedgerPage, Member, MemberHints

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class IdentityTaken(Exception):
    """Another writer created the member for this identity first; resolve it again."""


class DynamoDBLedger:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self.table = table_name
        self.client = client

    def append(self, program_id: str, identity: Identity, hints: MemberHints, entry: LedgerEntry) -> str:
        for _ in range(2):
            member_id = self._member_for(program_id, identity)
            new = member_id is None
            member_id = member_id or new_member_id()
            request = build_append_input(self.table, program_id, member_id, identity, hints, entry, new)
            try:
                self._transact(request)
                return member_id
            except IdentityTaken:
                continue
        raise RuntimeError("identity kept changing while recording an entry")

    def find_by_email(self, program_id: str, email: str) -> list[Member]:
        response = self.client.query(
            TableName=self.table, IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :pk",
            ExpressionAttributeValues={":pk": {"S": keys.email_pk(program_id, email)}},
        )
        return [codec.member_from_item(item) for item in response.get("Items", [])]

    def get_member(self, program_id: str, member_id: str) -> Member | None:
        response = self.client.get_item(
            TableName=self.table,
            Key={"PK": {"S": keys.member_pk(program_id, member_id)}, "SK": {"S": keys.PROFILE}},
        )
        item = response.get("Item")
        return codec.member_from_item(item) if item else None

    def ledger(self, program_id: str, member_id: str, cursor: str | None, limit: int) -> LedgerPage:
        pk = keys.member_pk(program_id, member_id)
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": keys.ENTRY_PREFIX}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if cursor:
            request["ExclusiveStartKey"] = decode_cursor(cursor, pk)
        response = self.client.query(**request)
        last = response.get("LastEvaluatedKey")
        return LedgerPage(
            entries=tuple(codec.entry_from_item(item) for item in response.get("Items", [])),
            next_cursor=encode_cursor(last) if last else None,
        )

    def _member_for(self, program_id: str, identity: Identity) -> str | None:
        response = self.client.get_item(
            TableName=self.table, ConsistentRead=True,
            Key={"PK": {"S": keys.identity_pk(program_id, identity.key)}, "SK": {"S": keys.IDENTITY}},
        )
        item = response.get("Item")
        return item["member_id"]["S"] if item else None

    def _transact(self, request: dict[str, Any]) -> None:
        try:
            self.client.transact_write_items(**request)
        except ClientError as e:
            if e.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = [r.get("Code") for r in e.response.get("CancellationReasons", [])]
            if reasons and reasons[0] == "ConditionalCheckFailed":
                raise DuplicateEntry("the business fact is already recorded") from e
            if "ConditionalCheckFailed" in reasons[1:2]:
                raise IdentityTaken() from e
            raise


def new_member_id() -> str:
    return "m_" + secrets.token_hex(10)


def build_append_input(table: str, program_id: str, member_id: str, identity: Identity, hints: MemberHints,
                       entry: LedgerEntry, new_member: bool) -> dict[str, Any]:
    """One transaction: the fact guard first, the identity when the member is new, the profile, the entry."""
    pk = keys.member_pk(program_id, member_id)
    sk = keys.entry_sk(entry.recorded_at, entry.entry_id)
    items: list[dict[str, Any]] = [{"Put": {
        "TableName": table,
        "Item": codec.fact_item(program_id, member_id, sk, entry),
        "ConditionExpression": "attribute_not_exists(PK)",
    }}]
    if new_member:
        items.append({"Put": {
            "TableName": table,
            "Item": {"PK": {"S": keys.identity_pk(program_id, identity.key)}, "SK": {"S": keys.IDENTITY},
                     "member_id": {"S": member_id}, "program_id": {"S": program_id}},
            "ConditionExpression": "attribute_not_exists(PK)",
        }})
    items.append({"Update": codec.profile_update(table, program_id, member_id, identity, hints, entry)})
    items.append({"Put": {
        "TableName": table,
        "Item": codec.entry_item(pk, sk, program_id, member_id, entry),
        "ConditionExpression": "attribute_not_exists(PK)",
    }})
    return {"TransactItems": items}
