"""A member's standing: where they are in the tiers and what expires when. Shown to admins, pushed to CRMs."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from chalicelib.domain.ledger import Member
from chalicelib.domain.program import INACTIVITY, LOTS, ProgramRules
from chalicelib.domain.tiers import add_months, rolling_spend


@dataclass(frozen=True)
class Standing:
    tier: str
    qualifying_spend: Decimal             # rolling 12 months, shop currency
    next_tier: str | None                 # None at the top
    spend_to_next_tier: Decimal | None    # more spend that reaches the next tier
    spend_to_keep_tier: Decimal | None    # more spend before the review that keeps the tier (0: kept already)
    tier_review_at: datetime | None
    next_expiry_at: datetime | None
    next_expiry_points: int               # 0 when nothing is scheduled to expire


def standing(member: Member, rules: ProgramRules, now: datetime,
             lots: Sequence[tuple[datetime, int]] = ()) -> Standing:
    """The member's standing at `now`; `lots` are (expiry time, points left) of awards under the lots policy."""
    spend = rolling_spend(member.spend, now)
    names = [t.name for t in rules.tiers]
    rank = names.index(member.tier) if member.tier in names else 0
    above = rules.tiers[rank + 1] if rank + 1 < len(rules.tiers) else None
    keep = rules.tiers[rank].threshold
    expiry_at, expiry_points = _next_expiry(member, rules, now, lots)
    return Standing(
        tier=member.tier, qualifying_spend=spend,
        next_tier=above.name if above else None,
        spend_to_next_tier=max(above.threshold - spend, Decimal(0)) if above else None,
        spend_to_keep_tier=max(keep - spend, Decimal(0)) if rank > 0 else None,
        tier_review_at=member.tier_review_at,
        next_expiry_at=expiry_at, next_expiry_points=expiry_points,
    )


def _next_expiry(member: Member, rules: ProgramRules, now: datetime,
                 lots: Sequence[tuple[datetime, int]]) -> tuple[datetime | None, int]:
    if member.points_balance <= 0:
        return None, 0
    if rules.expiry.policy == INACTIVITY and member.last_activity_at is not None:
        return add_months(member.last_activity_at, rules.expiry.months), member.points_balance
    if rules.expiry.policy == LOTS:
        upcoming = sorted((at, points) for at, points in lots if at > now and points > 0)
        if upcoming:
            return upcoming[0][0], min(upcoming[0][1], member.points_balance)
    return None, 0
