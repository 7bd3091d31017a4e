"""DynamoDBRewards: the program's rewards (PK=P#<program>#REWARDS, SK=R#<reward id>), cached in the container."""
from __future__ import annotations

import builtins
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.dynamodb_attributes import from_attributes, item_key, to_attributes
from chalicelib.adapters.dynamodb_audit import audit_put
from chalicelib.adapters.dynamodb_conditions import cancellation, transact
from chalicelib.adapters.ttl_cache import Recent
from chalicelib.domain.audit import AuditRecord
from chalicelib.domain.rewards import Reward

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DynamoDBRewards:
    def __init__(self, table_name: str, client: DynamoDBClient, max_age: float = 60) -> None:
        self.table = table_name
        self.client = client
        self._recent: Recent[list[Reward]] = Recent(max_age)

    def add(self, program_id: str, reward: Reward, audit: AuditRecord) -> None:
        item = to_attributes({
            "PK": _pk(program_id), "SK": f"R#{reward.reward_id}", "reward_id": reward.reward_id, "name": reward.name,
            "kind": reward.kind, "points_cost": reward.points_cost, "created_at": reward.created_at,
            "active": reward.active, "value": _text(reward.value), "minimum_subtotal": _text(reward.minimum_subtotal),
            "validity_days": reward.validity_days})
        transact(self.client, [
            {"Put": {"TableName": self.table, "Item": item, "ConditionExpression": "attribute_not_exists(PK)"}},
            audit_put(self.table, program_id, audit)])
        self._recent.forget(program_id)

    def retire(self, program_id: str, reward_id: str, at: datetime, audit: AuditRecord) -> bool:
        """Stop offering the reward (it stays, for the redemptions that name it); False when not active."""
        update = {"Update": {"TableName": self.table, "Key": item_key(_pk(program_id), f"R#{reward_id}"),
                             "UpdateExpression": "SET active = :no, retired_at = :at",
                             "ConditionExpression": "attribute_exists(PK) AND active = :yes",
                             "ExpressionAttributeValues": to_attributes({":no": False, ":yes": True, ":at": at})}}
        retired = cancellation(self.client, [update, audit_put(self.table, program_id, audit)]) is None
        self._recent.forget(program_id)
        return retired

    def list(self, program_id: str) -> list[Reward]:
        return self._recent.get(program_id, lambda: self._read(program_id))

    def _read(self, program_id: str) -> builtins.list[Reward]:
        response = self.client.query(TableName=self.table, KeyConditionExpression="PK = :pk",
                                     ExpressionAttributeValues=to_attributes({":pk": _pk(program_id)}))
        return sorted((_reward(i) for i in response.get("Items", [])), key=lambda r: (r.points_cost, r.reward_id))


def _pk(program_id: str) -> str:
    return f"P#{program_id}#REWARDS"


def _text(amount: Decimal | None) -> str | None:
    """Amounts are stored as text (S), written out in full."""
    return None if amount is None else format(amount, "f")


def _reward(item: dict[str, Any]) -> Reward:
    v = from_attributes(item)

    def decimal(name: str) -> Decimal | None:
        return Decimal(v[name]) if name in v else None

    return Reward(reward_id=v["reward_id"], name=v["name"], kind=v["kind"], value=decimal("value"),
                  points_cost=int(v["points_cost"]), created_at=datetime.fromisoformat(v["created_at"]),
                  minimum_subtotal=decimal("minimum_subtotal"),
                  validity_days=int(v["validity_days"]) if "validity_days" in v else None, active=v["active"])
