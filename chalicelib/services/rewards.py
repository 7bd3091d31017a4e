"""The rewards catalog through the admin API: validated, with field-level errors."""
from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from chalicelib.domain.audit import AuditRecord, audit_record
from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.rewards import FIXED_AMOUNT, FREE_SHIPPING, KINDS, PERCENTAGE, Reward
from chalicelib.services.ports import ApiKey

ALLOWED = {"name", "kind", "value", "points_cost", "minimum_subtotal", "validity_days"}


class RewardCatalog(Protocol):
    def add(self, program_id: str, reward: Reward, audit: AuditRecord) -> None: ...

    def list(self, program_id: str) -> list[Reward]: ...


def create_reward(body: Any, caller: ApiKey, catalog: RewardCatalog, now: datetime) -> Reward:
    if not isinstance(body, Mapping):
        raise InvalidRequest("send a JSON object", code="invalid_body")
    errors = [f"{k}: unknown field" for k in sorted(set(body) - ALLOWED)]
    name, kind, cost = body.get("name"), body.get("kind"), body.get("points_cost")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 100:
        errors.append("name: a string of 1 to 100 characters is required")
    if kind not in KINDS:
        errors.append(f"kind: one of {', '.join(KINDS)} is required")
    if isinstance(cost, bool) or not isinstance(cost, int) or not 1 <= cost <= 10_000_000:
        errors.append("points_cost: an integer from 1 to 10,000,000 is required")
    value = _value(body, kind, errors)
    minimum = _decimal(body.get("minimum_subtotal"), "minimum_subtotal", errors) \
        if body.get("minimum_subtotal") is not None else None
    days = body.get("validity_days")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3650):
        errors.append("validity_days: an integer from 1 to 3650 is required")
    if errors:
        raise InvalidRequest("; ".join(errors), code="invalid_reward")
    reward = Reward(reward_id="rw_" + secrets.token_hex(8), name=str(name).strip(), kind=str(kind), value=value,
                    points_cost=int(cost), created_at=now, minimum_subtotal=minimum, validity_days=days)
    catalog.add(caller.program_id, reward, audit_record(caller.key_id, now, "reward.create",
                                                        f"reward:{reward.reward_id}", after=reward_summary(reward)))
    return reward


def reward_summary(reward: Reward) -> dict[str, Any]:
    return {"name": reward.name, "kind": reward.kind, "value": reward.value, "points_cost": reward.points_cost,
            "minimum_subtotal": reward.minimum_subtotal, "validity_days": reward.validity_days}


def _value(body: Mapping[str, Any], kind: Any, errors: list[str]) -> Decimal | None:
    raw = body.get("value")
    if kind == FREE_SHIPPING:
        if raw is not None:
            errors.append("value: free shipping takes no value")
        return None
    value = _decimal(raw, "value", errors)
    if value is not None and kind == PERCENTAGE and not Decimal(0) < value <= 100:
        errors.append("value: a percentage from 0 (excluded) to 100 is required")
    if value is not None and kind == FIXED_AMOUNT and value <= 0:
        errors.append("value: a positive amount is required")
    return value


def _decimal(raw: Any, field: str, errors: list[str]) -> Decimal | None:
    try:
        if isinstance(raw, str):
            value = Decimal(raw)
            if value.is_finite() and value >= 0 and -value.as_tuple().exponent <= 2:
                return value
    except InvalidOperation:
        pass
    errors.append(f"{field}: a decimal string with at most 2 decimals is required")
    return None
