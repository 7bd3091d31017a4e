"""DynamoDBRules: a program's rule versions, each with its effective time; cached in the container.

    PK=P#<program>#RULES  SK=V#<effective from, UTC>#<version>   rules=<JSON>

Versions are never changed once stored; a change is a new version with a later effective time.
"""
from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from chalicelib.adapters.rules_codec import rules_from_json, rules_to_json
from chalicelib.domain.errors import DuplicateEntry
from chalicelib.domain.program import ProgramRules, rules_at

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DynamoDBRules:
    def __init__(self, table_name: str, client: DynamoDBClient, max_age: float = 60) -> None:
        self.table = table_name
        self.client = client
        self.max_age = max_age
        self._cache: dict[str, tuple[float, list[ProgramRules]]] = {}

    def rules_at(self, program_id: str, at: datetime) -> ProgramRules:
        return rules_at(self.versions(program_id), at)

    def versions(self, program_id: str) -> list[ProgramRules]:
        cached = self._cache.get(program_id)
        if cached and time.monotonic() - cached[0] < self.max_age:
            return cached[1]
        request = {"TableName": self.table, "KeyConditionExpression": "PK = :pk",
                   "ExpressionAttributeValues": {":pk": {"S": _pk(program_id)}}}
        items = self.client.query(**request).get("Items", [])   # a handful of versions: one page
        versions = [rules_from_json(json.loads(item["rules"]["S"])) for item in items]
        self._cache[program_id] = (time.monotonic(), versions)
        return versions

    def add_version(self, program_id: str, rules: ProgramRules) -> None:
        stamp = rules.effective_from.astimezone(UTC).isoformat()
        try:
            self.client.put_item(
                TableName=self.table, ConditionExpression="attribute_not_exists(PK)",
                Item={"PK": {"S": _pk(program_id)}, "SK": {"S": f"V#{stamp}#{rules.version}"},
                      "version": {"S": rules.version}, "rules": {"S": json.dumps(rules_to_json(rules))}},
            )
        except ClientError as e:
            if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise DuplicateEntry(f"rules version {rules.version} already exists") from e
            raise
        self._cache.pop(program_id, None)


def _pk(program_id: str) -> str:
    return f"P#{program_id}#RULES"
