"""DynamoDBRules: a program's rule versions, each with its effective time; cached in the container.

    PK=P#<program>#RULES  SK=V#<effective from, UTC>#<version>   rules=<JSON>
    PK=P#<program>#RULES  SK=N#<version> and T#<effective from, UTC>  guards: one version per name and per time

Versions are never changed once stored; a change is a new version with a later effective time, written in
one transaction with its guards and the audit record of the change.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.adapters.dynamodb_attributes import from_attributes, item_key, to_attributes
from chalicelib.adapters.dynamodb_audit import audit_put
from chalicelib.adapters.dynamodb_conditions import cancellation, transact
from chalicelib.adapters.ttl_cache import Recent
from chalicelib.domain.audit import AuditRecord
from chalicelib.domain.errors import DuplicateEntry
from chalicelib.domain.program import ProgramRules, rules_at
from chalicelib.domain.rules_codec import rules_from_json, rules_to_json

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

VERSION_PREFIX = "V#"


class DynamoDBRules:
    def __init__(self, table_name: str, client: DynamoDBClient, max_age: float = 60) -> None:
        self.table = table_name
        self.client = client
        self._recent: Recent[list[ProgramRules]] = Recent(max_age)

    def rules_at(self, program_id: str, at: datetime) -> ProgramRules:
        return rules_at(self.versions(program_id), at)

    def versions(self, program_id: str) -> list[ProgramRules]:
        return self._recent.get(program_id, lambda: self._read(program_id))

    def _read(self, program_id: str) -> list[ProgramRules]:
        request: dict[str, Any] = {
            "TableName": self.table, "KeyConditionExpression": "PK = :pk AND begins_with(SK, :v)",
            "ExpressionAttributeValues": to_attributes({":pk": _pk(program_id), ":v": VERSION_PREFIX})}
        items: list[dict[str, Any]] = []
        while True:                                   # a handful of versions: almost always one page
            response = self.client.query(**request)
            items += response.get("Items", [])
            if "LastEvaluatedKey" not in response:
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return [rules_from_json(json.loads(from_attributes(item)["rules"])) for item in items]

    def add_version(self, program_id: str, rules: ProgramRules, audit: AuditRecord | None = None) -> None:
        """Store a new version with its guards (and audit record) at once; DuplicateEntry when its name or its
        effective time is taken."""
        try:
            transact(self.client, build_add_version_input(self.table, program_id, rules, audit))
        except ClientError as e:
            if e.response["Error"]["Code"] == "TransactionCanceledException":
                reasons = [r.get("Code") for r in e.response.get("CancellationReasons", [])]
                if "ConditionalCheckFailed" in reasons:
                    raise DuplicateEntry(f"rules version {rules.version} or its effective time is taken") from e
            raise
        self._recent.forget(program_id)

    def withdraw(self, program_id: str, rules: ProgramRules, audit: AuditRecord) -> bool:
        """Remove a version that has not taken effect; False when it was removed already."""
        withdrawn = cancellation(self.client, build_withdraw_input(self.table, program_id, rules, audit)) is None
        self._recent.forget(program_id)
        return withdrawn


def build_withdraw_input(table: str, program_id: str, rules: ProgramRules, audit: AuditRecord) -> list[dict[str, Any]]:
    """Delete a version and its time guard (the name stays taken), each only if still there, with the audit record."""
    stamp = rules.effective_from.astimezone(UTC).isoformat()
    deletes = [{"Delete": {"TableName": table, "ConditionExpression": "attribute_exists(PK)",
                           "Key": item_key(_pk(program_id), sk)}}
               for sk in (f"{VERSION_PREFIX}{stamp}#{rules.version}", f"T#{stamp}")]
    return [*deletes, audit_put(table, program_id, audit)]


def build_add_version_input(table: str, program_id: str, rules: ProgramRules,
                            audit: AuditRecord | None) -> list[dict[str, Any]]:
    stamp = rules.effective_from.astimezone(UTC).isoformat()

    def put(sk: str, **attributes: str) -> dict[str, Any]:
        return {"Put": {"TableName": table, "ConditionExpression": "attribute_not_exists(PK)",
                        "Item": to_attributes({"PK": _pk(program_id), "SK": sk, **attributes})}}

    writes = [put(f"{VERSION_PREFIX}{stamp}#{rules.version}", version=rules.version,
                  rules=json.dumps(rules_to_json(rules))),
              put(f"N#{rules.version}", version=rules.version),
              put(f"T#{stamp}", version=rules.version)]
    return writes + ([audit_put(table, program_id, audit)] if audit else [])


def _pk(program_id: str) -> str:
    return f"P#{program_id}#RULES"
