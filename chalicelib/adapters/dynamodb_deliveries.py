"""Refused deliveries: one item per queued delivery that can never apply, listed newest first with one Query.

    PK=P#<program>#REFUSED   SK=<received at, UTC>#<hash of source, topic and webhook id>   expires_at=<epoch s>

The sort key is the same for the same delivery, so a redelivered message overwrites its own record; the table's
TTL attribute (`expires_at`, infra/template.yaml) deletes the item after the keeping period. No payload, no
personal data: ids, topic, times and the reason only.
"""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.dynamodb_attributes import from_attributes, to_attributes
from chalicelib.adapters.dynamodb_pages import newest_first
from chalicelib.services.ports.intake import RefusedDelivery

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def refused_pk(program_id: str) -> str:
    return f"P#{program_id}#REFUSED"


def refused_sk(refused: RefusedDelivery) -> str:
    stamp = refused.received_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    which = hashlib.sha256(f"{refused.source}\n{refused.topic}\n{refused.webhook_id}".encode()).hexdigest()[:24]
    return f"{stamp}#{which}"


class DynamoDBRefusedDeliveries:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self.table = table_name
        self.client = client

    def record(self, program_id: str, refused: RefusedDelivery, keep_until: datetime) -> None:
        item = to_attributes({
            "PK": refused_pk(program_id), "SK": refused_sk(refused), "type": "refused_delivery",
            "source": refused.source, "topic": refused.topic, "webhook_id": refused.webhook_id,
            "received_at": refused.received_at, "refused_at": refused.refused_at, "reason": refused.reason,
            "expires_at": int(keep_until.timestamp())})
        self.client.put_item(TableName=self.table, Item=item)

    def page(self, program_id: str, cursor: str | None, limit: int) -> tuple[list[RefusedDelivery], str | None]:
        items, following = newest_first(self.client, self.table, refused_pk(program_id), cursor, limit)
        return [_refused(i) for i in items], following


def _refused(item: dict[str, Any]) -> RefusedDelivery:
    v = from_attributes(item)
    return RefusedDelivery(source=v["source"], topic=v["topic"], webhook_id=v["webhook_id"],
                           received_at=datetime.fromisoformat(v["received_at"]),
                           refused_at=datetime.fromisoformat(v["refused_at"]), reason=v["reason"])
