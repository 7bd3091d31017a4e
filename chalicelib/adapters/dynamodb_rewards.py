"""DynamoDBRewards: the program's rewards (PK=P#<program>#REWARDS, SK=R#<reward id>), cached in the container."""
from __future__ import annotations

import time
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.dynamodb_audit import audit_put
from chalicelib.adapters.dynamodb_conditions import cancellation
from chalicelib.domain.audit import AuditRecord
from chalicelib.domain.rewards import Reward

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DynamoDBRewards:
    def __init__(self, table_name: str, client: DynamoDBClient, max_age: float = 60) -> None:
        self.table = table_name
        self.client = client
        self.max_age = max_age
        self._cache: dict[str, tuple[float, list[Reward]]] = {}

    def add(self, program_id: str, reward: Reward, audit: AuditRecord) -> None:
        item: dict[str, Any] = {
            "PK": {"S": _pk(program_id)}, "SK": {"S": f"R#{reward.reward_id}"}, "reward_id": {"S": reward.reward_id},
            "name": {"S": reward.name}, "kind": {"S": reward.kind}, "points_cost": {"N": str(reward.points_cost)},
            "created_at": {"S": reward.created_at.isoformat()}, "active": {"BOOL": reward.active}}
        for name in ("value", "minimum_subtotal"):
            if getattr(reward, name) is not None:
                item[name] = {"S": format(getattr(reward, name), "f")}
        if reward.validity_days is not None:
            item["validity_days"] = {"N": str(reward.validity_days)}
        self.client.transact_write_items(TransactItems=[
            {"Put": {"TableName": self.table, "Item": item, "ConditionExpression": "attribute_not_exists(PK)"}},
            audit_put(self.table, program_id, audit)])
        self._cache.pop(program_id, None)

    def retire(self, program_id: str, reward_id: str, at: datetime, audit: AuditRecord) -> bool:
        """Stop offering the reward (it stays, for the redemptions that name it); False when not active."""
        key = {"PK": {"S": _pk(program_id)}, "SK": {"S": f"R#{reward_id}"}}
        update = {"Update": {"TableName": self.table, "Key": key,
                             "UpdateExpression": "SET active = :no, retired_at = :at",
                             "ConditionExpression": "attribute_exists(PK) AND active = :yes",
                             "ExpressionAttributeValues": {":no": {"BOOL": False}, ":yes": {"BOOL": True},
                                                           ":at": {"S": at.isoformat()}}}}
        retired = cancellation(self.client, [update, audit_put(self.table, program_id, audit)]) is None
        self._cache.pop(program_id, None)
        return retired

    def list(self, program_id: str) -> list[Reward]:
        cached = self._cache.get(program_id)
        if cached and time.monotonic() - cached[0] < self.max_age:
            return cached[1]
        response = self.client.query(TableName=self.table, KeyConditionExpression="PK = :pk",
                                     ExpressionAttributeValues={":pk": {"S": _pk(program_id)}})
        rewards = sorted((_reward(i) for i in response.get("Items", [])), key=lambda r: (r.points_cost, r.reward_id))
        self._cache[program_id] = (time.monotonic(), rewards)
        return rewards


def _pk(program_id: str) -> str:
    return f"P#{program_id}#REWARDS"


def _reward(item: dict[str, Any]) -> Reward:
    def decimal(name: str) -> Decimal | None:
        return Decimal(item[name]["S"]) if name in item else None

    return Reward(reward_id=item["reward_id"]["S"], name=item["name"]["S"], kind=item["kind"]["S"],
                  value=decimal("value"), points_cost=int(item["points_cost"]["N"]),
                  created_at=datetime.fromisoformat(item["created_at"]["S"]),
                  minimum_subtotal=decimal("minimum_subtotal"),
                  validity_days=int(item["validity_days"]["N"]) if "validity_days" in item else None,
                  active=item["active"]["BOOL"])
