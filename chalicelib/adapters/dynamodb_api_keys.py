"""DynamoDBApiKeys: a program's admin API keys, stored only as SHA-256 hashes.

    lookup   PK=KEY#<sha256 of the key>   SK=KEY        (found from the key alone, before the program is known)
    listing  PK=P#<program>#KEYS          SK=<key id>   (the owner's list; carries no hash)

Both are written, and revoked, in one transaction with the audit record of the change.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.adapters.dynamodb_attributes import from_attributes, item_key, to_attributes, when
from chalicelib.adapters.dynamodb_audit import audit_put
from chalicelib.adapters.dynamodb_conditions import transact
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
        item = self.client.get_item(TableName=self.table, Key=item_key(_lookup_pk(key_sha256), "KEY")).get("Item")
        return _key(item) if item else None

    def add(self, key: ApiKey, key_sha256: str, audit: AuditRecord) -> None:
        fields = _fields(key)
        transact(self.client, [
            {"Put": {"TableName": self.table, "ConditionExpression": "attribute_not_exists(PK)",
                     "Item": to_attributes({"PK": _lookup_pk(key_sha256), "SK": "KEY", **fields})}},
            {"Put": {"TableName": self.table, "ConditionExpression": "attribute_not_exists(PK)",
                     "Item": to_attributes({"PK": _list_pk(key.program_id), "SK": key.key_id,
                                            "key_sha256": key_sha256, **fields})}},
            audit_put(self.table, key.program_id, audit)])

    def list(self, program_id: str) -> list[ApiKey]:
        response = self.client.query(TableName=self.table, KeyConditionExpression="PK = :pk", Limit=MAX_KEYS,
                                     ExpressionAttributeValues=to_attributes({":pk": _list_pk(program_id)}))
        return sorted((_key(i) for i in response.get("Items", [])), key=lambda k: (k.created_at is None,
                                                                                    k.created_at, k.key_id))

    def revoke(self, program_id: str, key_id: str, at: datetime, audit: AuditRecord) -> ApiKey:
        """Mark the key revoked (idempotent: a revoked key stays revoked at its first time). NotFound if unknown."""
        item = self.client.get_item(TableName=self.table, ConsistentRead=True,
                                    Key=item_key(_list_pk(program_id), key_id)).get("Item")
        if not item:
            raise NotFound("no such API key")
        key = _key(item)
        if key.revoked_at is not None:
            return key
        update = {"UpdateExpression": "SET revoked_at = :at", "ConditionExpression": "attribute_exists(PK)",
                  "ExpressionAttributeValues": to_attributes({":at": at})}
        try:
            transact(self.client, [
                {"Update": {"TableName": self.table, "Key": {"PK": item["PK"], "SK": item["SK"]}, **update}},
                {"Update": {"TableName": self.table, **update,
                            "Key": item_key(_lookup_pk(from_attributes(item)["key_sha256"]), "KEY")}},
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
    return {"type": "api_key", "key_id": key.key_id, "program_id": key.program_id, "scopes": key.scopes,
            "name": key.name, "created_at": key.created_at or None, "created_by": key.created_by or None}


def _key(item: dict[str, Any]) -> ApiKey:
    v = from_attributes(item)
    return ApiKey(key_id=v["key_id"], program_id=v["program_id"], scopes=frozenset(v["scopes"]),
                  name=v.get("name", ""), created_at=when(v.get("created_at")), created_by=v.get("created_by"),
                  revoked_at=when(v.get("revoked_at")))
