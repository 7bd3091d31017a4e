"""DynamoDBApiKeys: a program's admin API keys, stored only as SHA-256 hashes.

    lookup   PK=KEY#<sha256 of the key>   SK=KEY        (found from the key alone, before the program is known)
    listing  PK=P#<program>#KEYS          SK=<key id>   (the owner's list; carries no hash)

Both are written, and revoked, in one transaction with the audit record of the change.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.adapters.dynamodb_audit import audit_put
from chalicelib.domain.audit import AuditRecord
from chalicelib.domain.errors import NotFound
from chalicelib.services.ports.programs import ApiKey

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

MAX_KEYS = 100


class DynamoDBApiKeys:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self.table = table_name
        self.client = client

    def find(self, key_sha256: str) -> ApiKey | None:
        item = self.client.get_item(TableName=self.table, Key={"PK": {"S": _lookup_pk(key_sha256)},
                                                               "SK": {"S": "KEY"}}).get("Item")
        return _key(item) if item else None

    def add(self, key: ApiKey, key_sha256: str, audit: AuditRecord) -> None:
        fields = _fields(key)
        self.client.transact_write_items(TransactItems=[
            {"Put": {"TableName": self.table, "ConditionExpression": "attribute_not_exists(PK)",
                     "Item": {"PK": {"S": _lookup_pk(key_sha256)}, "SK": {"S": "KEY"}, **fields}}},
            {"Put": {"TableName": self.table, "ConditionExpression": "attribute_not_exists(PK)",
                     "Item": {"PK": {"S": _list_pk(key.program_id)}, "SK": {"S": key.key_id},
                              "key_sha256": {"S": key_sha256}, **fields}}},
            audit_put(self.table, key.program_id, audit)])

    def list(self, program_id: str) -> list[ApiKey]:
        response = self.client.query(TableName=self.table, KeyConditionExpression="PK = :pk", Limit=MAX_KEYS,
                                     ExpressionAttributeValues={":pk": {"S": _list_pk(program_id)}})
        return sorted((_key(i) for i in response.get("Items", [])), key=lambda k: (k.created_at is None,
                                                                                    k.created_at, k.key_id))

    def revoke(self, program_id: str, key_id: str, at: datetime, audit: AuditRecord) -> ApiKey:
        """Mark the key revoked (idempotent: a revoked key stays revoked at its first time). NotFound if unknown."""
        item = self.client.get_item(TableName=self.table, ConsistentRead=True,
                                    Key={"PK": {"S": _list_pk(program_id)}, "SK": {"S": key_id}}).get("Item")
        if not item:
            raise NotFound("no such API key")
        key = _key(item)
        if key.revoked_at is not None:
            return key
        update = {"UpdateExpression": "SET revoked_at = :at", "ConditionExpression": "attribute_exists(PK)",
                  "ExpressionAttributeValues": {":at": {"S": at.isoformat()}}}
        try:
            self.client.transact_write_items(TransactItems=[
                {"Update": {"TableName": self.table, "Key": {"PK": item["PK"], "SK": item["SK"]}, **update}},
                {"Update": {"TableName": self.table, **update,
                            "Key": {"PK": {"S": _lookup_pk(item["key_sha256"]["S"])}, "SK": {"S": "KEY"}}}},
                audit_put(self.table, program_id, audit)])
        except ClientError as e:
            if e.response["Error"]["Code"] != "TransactionCanceledException":
                raise
        return ApiKey(**{**key.__dict__, "revoked_at": at})


def _lookup_pk(key_sha256: str) -> str:
    return f"KEY#{key_sha256}"


def _list_pk(program_id: str) -> str:
    return f"P#{program_id}#KEYS"


def _fields(key: ApiKey) -> dict[str, Any]:
    fields: dict[str, Any] = {"type": {"S": "api_key"}, "key_id": {"S": key.key_id},
                              "program_id": {"S": key.program_id}, "scopes": {"SS": sorted(key.scopes)},
                              "name": {"S": key.name}}
    if key.created_at:
        fields["created_at"] = {"S": key.created_at.isoformat()}
    if key.created_by:
        fields["created_by"] = {"S": key.created_by}
    return fields


def _key(item: dict[str, Any]) -> ApiKey:
    def when(name: str) -> datetime | None:
        return datetime.fromisoformat(item[name]["S"]) if name in item else None

    return ApiKey(key_id=item["key_id"]["S"], program_id=item["program_id"]["S"],
                  scopes=frozenset(item["scopes"]["SS"]), name=item.get("name", {}).get("S", ""),
                  created_at=when("created_at"), created_by=item.get("created_by", {}).get("S"),
                  revoked_at=when("revoked_at"))
