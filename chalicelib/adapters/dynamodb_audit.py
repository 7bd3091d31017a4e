"""The audit trail: one item per mutation, written in the same transaction as the change it describes.

    PK=P#<program>#AUDIT   SK=<at, UTC>#<audit id>

Items are put with a condition that they do not exist and the code never updates or deletes them.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.dynamodb_attributes import from_attributes, to_attributes
from chalicelib.adapters.dynamodb_conditions import transact
from chalicelib.adapters.dynamodb_pages import newest_first
from chalicelib.domain.audit import AuditRecord

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def audit_pk(program_id: str) -> str:
    return f"P#{program_id}#AUDIT"


def audit_put(table: str, program_id: str, record: AuditRecord) -> dict[str, Any]:
    """The transaction item that writes the record."""
    stamp = record.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    item = to_attributes({"PK": audit_pk(program_id), "SK": f"{stamp}#{record.audit_id}", "type": "audit",
                          "audit_id": record.audit_id, "key_id": record.key_id, "at": record.at,
                          "action": record.action, "target": record.target, "before": record.before,
                          "after": record.after, "reason": record.reason})
    return {"Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(PK)"}}


class DynamoDBAuditTrail:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self.table = table_name
        self.client = client

    def record(self, program_id: str, record: AuditRecord) -> None:
        """A record on its own, for changes that are a single write already (the write comes first)."""
        transact(self.client, [audit_put(self.table, program_id, record)])

    def page(self, program_id: str, cursor: str | None, limit: int) -> tuple[list[AuditRecord], str | None]:
        """Newest first."""
        items, following = newest_first(self.client, self.table, audit_pk(program_id), cursor, limit)
        return [_record(i) for i in items], following


def _record(item: dict[str, Any]) -> AuditRecord:
    v = from_attributes(item)
    return AuditRecord(audit_id=v["audit_id"], key_id=v["key_id"], at=datetime.fromisoformat(v["at"]),
                       action=v["action"], target=v["target"], before=v.get("before"), after=v.get("after"),
                       reason=v.get("reason"))

