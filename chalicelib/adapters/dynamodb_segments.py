"""DynamoDBSegments: the program's merchant-defined segments, written with their audit record in one transaction.

    PK=P#<program>#SEGMENTS   SK=SEG#<name>   definition (JSON text: name, description, match), created_at, created_by
"""
from __future__ import annotations

import builtins
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.dynamodb_attributes import from_attributes, to_attributes
from chalicelib.adapters.dynamodb_audit import audit_put
from chalicelib.adapters.dynamodb_conditions import cancellation
from chalicelib.domain.audit import AuditRecord
from chalicelib.domain.errors import ConcurrentChange, Conflict
from chalicelib.domain.segment_rules import SegmentDefinition

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DynamoDBSegments:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self.table = table_name
        self.client = client

    def add(self, program_id: str, definition: SegmentDefinition, audit: AuditRecord) -> None:
        put = {"TableName": self.table, "Item": build_segment_item(program_id, definition),
               "ConditionExpression": "attribute_not_exists(PK)"}
        reasons = cancellation(self.client, [{"Put": put}, audit_put(self.table, program_id, audit)])
        if reasons is None:
            return
        if reasons[:1] == ["ConditionalCheckFailed"]:
            raise Conflict(f"a segment named {definition.name!r} exists already", code="segment_exists")
        raise ConcurrentChange(f"the segment was not stored: {', '.join(reasons)}")

    def list(self, program_id: str) -> builtins.list[SegmentDefinition]:
        request: dict[str, Any] = {
            "TableName": self.table, "KeyConditionExpression": "PK = :pk AND begins_with(SK, :seg)",
            "ExpressionAttributeValues": to_attributes({":pk": _pk(program_id), ":seg": "SEG#"})}
        found: builtins.list[SegmentDefinition] = []
        while True:
            response = self.client.query(**request)
            found += [_definition(from_attributes(i)) for i in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                return found
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _pk(program_id: str) -> str:
    return f"P#{program_id}#SEGMENTS"


def build_segment_item(program_id: str, definition: SegmentDefinition) -> dict[str, Any]:
    text = json.dumps({"name": definition.name, "description": definition.description,
                       "match": definition.match}, sort_keys=True, separators=(",", ":"))
    return to_attributes({"PK": _pk(program_id), "SK": f"SEG#{definition.name}", "type": "segment",
                          "definition": text, "created_at": definition.created_at,
                          "created_by": definition.created_by})


def _definition(item: dict[str, Any]) -> SegmentDefinition:
    stored = json.loads(item["definition"])
    return SegmentDefinition(name=stored["name"], match=stored["match"], description=stored.get("description"),
                             created_at=datetime.fromisoformat(item["created_at"]), created_by=item["created_by"])
