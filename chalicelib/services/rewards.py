"""The rewards catalog through the admin API: validated, with field-level errors."""
from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from chalicelib.domain.audit import audit_record
from chalicelib.domain.errors import InvalidRequest, NotFound
from chalicelib.domain.rewards import FREE_SHIPPING, KINDS, PERCENTAGE, Reward
from chalicelib.services.ports.programs import ApiKey
from chalicelib.services.ports.rewards import RewardCatalog

ALLOWED = {"name", "kind", "value", "points_cost", "minimum_subtotal", "validity_days"}
# Amounts a shop could honour: a plain decimal string of ASCII digits with at most 2 decimals (no sign, exponent,
# NaN or Infinity, no other scripts' digits) up to MAX_AMOUNT in the shop's currency. The OpenAPI document uses it.
MAX_AMOUNT = Decimal("100000.00")
AMOUNT = re.compile(r"(?:0|[1-9][0-9]{0,4})(?:\.[0-9]{1,2})?|100000(?:\.0{1,2})?")


def retire_reward(reward_id: str, caller: ApiKey, catalog: RewardCatalog, now: datetime) -> Reward:
    """The reward is no longer offered or redeemable; codes already issued stay valid. Asking again is fine."""
    found = next((r for r in catalog.list(caller.program_id) if r.reward_id == reward_id), None)
    if found is None:
        raise NotFound(f"no reward {reward_id}")
    if found.active:
        audit = audit_record(caller.key_id, now, "reward.retire", f"reward:{reward_id}",
                             before=reward_summary(found), after={"active": False})
        catalog.retire(caller.program_id, reward_id, now, audit)
    return replace(found, active=False)


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
    minimum = _minimum(body.get("minimum_subtotal"), errors)
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
    if kind == PERCENTAGE:
        return _decimal(raw, errors, "value", Decimal(100), "a percentage above 0 and at most 100")
    return _decimal(raw, errors, "value", MAX_AMOUNT, f"an amount above 0 and at most {MAX_AMOUNT}")


def _minimum(raw: Any, errors: list[str]) -> Decimal | None:
    if raw is None:
        return None
    return _decimal(raw, errors, "minimum_subtotal", MAX_AMOUNT, f"an amount from 0 to {MAX_AMOUNT}", zero=True)


def _decimal(raw: Any, errors: list[str], field: str, most: Decimal, wanted: str, zero: bool = False) -> Decimal | None:
    """A plain decimal string (ASCII digits, at most 2 decimals, no sign or exponent) up to `most`."""
    value = Decimal(raw) if isinstance(raw, str) and AMOUNT.fullmatch(raw) else None
    if value is None or value > most or (value == 0 and not zero):
        errors.append(f"{field}: {wanted}, as a decimal string with at most 2 decimals, is required")
        return None
    return value
