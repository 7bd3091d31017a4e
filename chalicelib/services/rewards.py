"""The rewards catalog through the admin API: offers added (audited) and rewards retired."""
from __future__ import annotations

import re
import secrets
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from chalicelib.domain.audit import audit_record
from chalicelib.domain.errors import NotFound
from chalicelib.domain.rewards import Reward
from chalicelib.services.ports.programs import ApiKey
from chalicelib.services.ports.rewards import RewardCatalog

# Amounts a shop could honour: a plain decimal string of ASCII digits with at most 2 decimals (no sign, exponent,
# NaN or Infinity, no other scripts' digits) up to MAX_AMOUNT in the shop's currency (PERCENT for a percentage).
# The request shape (web/shapes/requests.py) checks and documents them.
MAX_AMOUNT = Decimal("100000.00")
PERCENT = Decimal(100)
AMOUNT = re.compile(r"(?:0|[1-9][0-9]{0,4})(?:\.[0-9]{1,2})?|100000(?:\.0{1,2})?")
MAX_COST = 10_000_000
MAX_VALIDITY_DAYS = 3650



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


def new_reward_id() -> str:
    return "rw_" + secrets.token_hex(8)


def create_reward(reward: Reward, caller: ApiKey, catalog: RewardCatalog) -> Reward:
    """Offer the reward (checked at the edge), with its audit record."""
    catalog.add(caller.program_id, reward, audit_record(caller.key_id, reward.created_at, "reward.create",
                                                        f"reward:{reward.reward_id}", after=reward_summary(reward)))
    return reward


def reward_summary(reward: Reward) -> dict[str, Any]:
    return {"name": reward.name, "kind": reward.kind, "value": reward.value, "points_cost": reward.points_cost,
            "minimum_subtotal": reward.minimum_subtotal, "validity_days": reward.validity_days}
