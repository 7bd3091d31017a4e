"""Reconciliation's watermarks, last runs and repairs.

    PK=P#<program>#RECON     SK=S#<source>                                  the watermark and the last run
    PK=P#<program>#REPAIRS   SK=<repaired at, UTC>#<source>#<ref>            one per repaired order or contact

Repairs carry platform ids, the member id and points only (no personal data) and expire with the table's TTL
(`expires_at`). A run is one function at a time (reserved concurrency 1), so the state item is simply replaced.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.dynamodb_attributes import from_attributes, to_attributes
from chalicelib.adapters.dynamodb_pages import newest_first
from chalicelib.domain.reconciliation import Repair, RunReport
from chalicelib.services.ports.reconciliation import RunRecord, SourceState

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def state_pk(program_id: str) -> str:
    return f"P#{program_id}#RECON"


def repairs_pk(program_id: str) -> str:
    return f"P#{program_id}#REPAIRS"


class DynamoDBReconciliation:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self.table = table_name
        self.client = client

    def state(self, program_id: str, source: str) -> SourceState:
        item = self.client.get_item(TableName=self.table, ConsistentRead=True, Key=to_attributes(
            {"PK": state_pk(program_id), "SK": f"S#{source}"})).get("Item")
        if not item:
            return SourceState(source, None, None)
        v = from_attributes(item)
        watermark = datetime.fromisoformat(v["watermark"]) if v.get("watermark") else None
        return SourceState(source, watermark, _run(v))

    def save_run(self, program_id: str, report: RunReport, keep_until: datetime) -> None:
        expires = int(keep_until.timestamp())
        for repair in report.repaired:
            stamp = repair.repaired_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            self.client.put_item(TableName=self.table, Item=to_attributes({
                "PK": repairs_pk(program_id), "SK": f"{stamp}#{repair.source}#{repair.ref}", "type": "repair",
                "source": repair.source, "ref": repair.ref, "facts": list(repair.facts),
                "repaired_at": repair.repaired_at, "member_id": repair.member_id, "points": repair.points,
                "expires_at": expires}))
        previous = self.state(program_id, report.source).watermark
        watermark = report.watermark or previous
        self.client.put_item(TableName=self.table, Item=to_attributes({
            "PK": state_pk(program_id), "SK": f"S#{report.source}", "type": "reconciliation",
            "source": report.source, "watermark": watermark, "started_at": report.started_at,
            "since": report.window.since, "until": report.window.until, "scanned": report.scanned,
            "repaired": len(report.repaired), "refused": report.refused, "failed": report.failed,
            "complete": report.complete}))

    def repairs(self, program_id: str, cursor: str | None, limit: int) -> tuple[list[Repair], str | None]:
        items, following = newest_first(self.client, self.table, repairs_pk(program_id), cursor, limit)
        return [_repair(i) for i in items], following


def _run(v: dict[str, Any]) -> RunRecord:
    return RunRecord(started_at=datetime.fromisoformat(v["started_at"]), since=datetime.fromisoformat(v["since"]),
                     until=datetime.fromisoformat(v["until"]), scanned=int(v["scanned"]), repaired=int(v["repaired"]),
                     refused=int(v["refused"]), failed=int(v["failed"]), complete=bool(v["complete"]))


def _repair(item: dict[str, Any]) -> Repair:
    v = from_attributes(item)
    return Repair(source=v["source"], ref=v["ref"], facts=tuple(v.get("facts") or ()),
                  repaired_at=datetime.fromisoformat(v["repaired_at"]), member_id=v.get("member_id"),
                  points=int(v.get("points") or 0))
