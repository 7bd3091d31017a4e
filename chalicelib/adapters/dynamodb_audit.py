"""The audit trail: one item per mutation, written in the same transaction as the change it describes.

    PK=P#<program>#AUDIT   SK=<at, UTC>#<audit id>

Items are put with a condition that they do not exist and the code never updates or deletes them.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.cursors import decode_cursor, encode_cursor, item_cursor
from chalicelib.domain.audit import AuditRecord

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def audit_pk(program_id: str) -> str:
    return f"P#{program_id}#AUDIT"


def audit_put(table: str, program_id: str, record: AuditRecord) -> dict[str, Any]:
    """The transaction item that writes the record."""
    stamp = record.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    item: dict[str, Any] = {"PK": {"S": audit_pk(program_id)}, "SK": {"S": f"{stamp}#{record.audit_id}"},
                            "type": {"S": "audit"}, "audit_id": {"S": record.audit_id},
                            "key_id": {"S": record.key_id}, "at": {"S": record.at.isoformat()},
                            "action": {"S": record.action}, "target": {"S": record.target}}
    for name in ("before", "after", "reason"):
        value = getattr(record, name)
        if value is not None:
            item[name] = {"S": value}
    return {"Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(PK)"}}


class DynamoDBAuditTrail:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self.table = table_name
        self.client = client

    def record(self, program_id: str, record: AuditRecord) -> None:
        """A record on its own, for changes that are a single write already (the write comes first)."""
        self.client.transact_write_items(TransactItems=[audit_put(self.table, program_id, record)])

    def page(self, program_id: str, cursor: str | None, limit: int) -> tuple[list[AuditRecord], str | None]:
        """Newest first."""
        pk = audit_pk(program_id)
        request: dict[str, Any] = {"TableName": self.table, "KeyConditionExpression": "PK = :pk",
                                   "ExpressionAttributeValues": {":pk": {"S": pk}}, "ScanIndexForward": False,
                                   "Limit": limit + 1}        # one ahead: the last page carries no cursor
        if cursor:
            request["ExclusiveStartKey"] = decode_cursor(cursor, pk)
        response = self.client.query(**request)
        items, last = response.get("Items", []), response.get("LastEvaluatedKey")
        following = item_cursor(items[limit - 1]) if len(items) > limit else encode_cursor(last) if last else None
        return [_record(i) for i in items[:limit]], following if items else None


def _record(item: dict[str, Any]) -> AuditRecord:
    def text(name: str) -> str | None:
        return item[name]["S"] if name in item else None

    return AuditRecord(audit_id=item["audit_id"]["S"], key_id=item["key_id"]["S"],
                       at=datetime.fromisoformat(item["at"]["S"]), action=item["action"]["S"],
                       target=item["target"]["S"], before=text("before"), after=text("after"), reason=text("reason"))

