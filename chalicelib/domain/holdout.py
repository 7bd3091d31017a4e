"""Holdouts and lift: who a campaign leaves out at random, and what the campaign did against them.

Each member has a stable bucket 0–99 from a hash of the program and member ids. A campaign holds out the members whose
bucket, shifted by the campaign's own offset (a hash of its id), falls below its holdout share: the same member is
always in or out of one campaign, each campaign holds out a different slice, and no one is always left out.

Lift compares the treatment group with the holdout on the campaign's goal:
- conversion rate difference = converted/members of treatment − that of the holdout, with a 95 % confidence interval
  by Newcombe's hybrid score method (method 10 of Newcombe 1998, from the two Wilson score intervals), which keeps
  its coverage for small groups and rates near 0 or 1 where the Wald interval does not;
- incremental revenue = (treatment revenue per member − holdout revenue per member) × treatment members;
- ROI = (incremental revenue − offer cost) ÷ offer cost (None without an offer cost).
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from statistics import NormalDist

BUCKETS = 100
Z95 = NormalDist().inv_cdf(0.975)          # 1.959963984540054


def bucket(program_id: str, member_id: str) -> int:
    """The member's stable bucket, 0–99."""
    return _hash(f"{program_id}\x1f{member_id}") % BUCKETS


def held_out(program_id: str, member_id: str, campaign_id: str, share_percent: int) -> bool:
    """Whether the campaign holds this member out (share_percent of its members, 0–100)."""
    if not 0 <= share_percent <= BUCKETS:
        raise ValueError("a holdout share is 0–100 percent")
    offset = _hash(f"{program_id}\x1f{campaign_id}") % BUCKETS
    return (bucket(program_id, member_id) + offset) % BUCKETS < share_percent


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (no continuity correction)."""
    if not 0 <= successes <= trials or trials == 0:
        raise ValueError("a proportion needs 0 ≤ successes ≤ trials and trials > 0")
    p, n = successes / trials, trials
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def difference_ci(x1: int, n1: int, x2: int, n2: int, z: float = Z95) -> tuple[float, float]:
    """Newcombe's hybrid score interval for p1 − p2."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1, z)
    l2, u2 = wilson(x2, n2, z)
    d = p1 - p2
    return d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


@dataclass(frozen=True)
class Group:
    members: int
    converted: int
    revenue: Decimal

    @property
    def conversion_rate(self) -> float | None:
        return self.converted / self.members if self.members else None

    @property
    def revenue_per_member(self) -> Decimal | None:
        return self.revenue / self.members if self.members else None


@dataclass(frozen=True)
class Lift:
    conversion_rate_difference: float | None
    ci95: tuple[float, float] | None
    incremental_revenue: Decimal | None
    offer_cost: Decimal
    roi: float | None


def lift(treatment: Group, holdout: Group, offer_cost: Decimal) -> Lift:
    """Treatment against holdout; None where a group is empty (nothing to compare)."""
    if not treatment.members or not holdout.members:
        return Lift(None, None, None, offer_cost, None)
    difference = treatment.converted / treatment.members - holdout.converted / holdout.members
    interval = difference_ci(treatment.converted, treatment.members, holdout.converted, holdout.members)
    per_member = treatment.revenue / treatment.members - holdout.revenue / holdout.members
    incremental = (per_member * treatment.members).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
    roi = float((incremental - offer_cost) / offer_cost) if offer_cost > 0 else None
    return Lift(difference, interval, incremental, offer_cost, roi)


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
