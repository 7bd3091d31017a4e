"""The rewards catalog: what points buy (fixed amount off, percentage off, free shipping)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

FIXED_AMOUNT, PERCENTAGE, FREE_SHIPPING = "fixed_amount", "percentage", "free_shipping"
KINDS = (FIXED_AMOUNT, PERCENTAGE, FREE_SHIPPING)


@dataclass(frozen=True)
class Reward:
    reward_id: str
    name: str
    kind: str
    value: Decimal | None          # amount in shop currency, or percent (1–100); None for free shipping
    points_cost: int
    created_at: datetime
    minimum_subtotal: Decimal | None = None
    validity_days: int | None = None
    active: bool = True


def cheapest(rewards: Sequence[Reward]) -> Reward | None:
    active = [r for r in rewards if r.active]
    return min(active, key=lambda r: (r.points_cost, r.reward_id)) if active else None


def crossed(reward: Reward | None, before: int, after: int) -> bool:
    """The balance has just reached what the cheapest reward costs."""
    return reward is not None and before < reward.points_cost <= after
