"""Offers: what a campaign step grants a member, read from JSON field by field and written back.

Each kind is a JSON object with its own keys, exactly one kind per offer:

    {"bonus_points": 500}                      points in the ledger now
    {"multiplier": "2", "days": 14}            the member's order points × 2 for orders processed in the next 14 days
    {"reward_id": "rw_0123456789abcdef"}       a code for that catalog reward, at no points cost
    {"shopify_tag": "vip-early-access"}        a tag on the member's Shopify customer (a collection gated by tag)

A granted multiplier is a `Boost` on the member's profile: one window at a time, the latest grant replacing any
earlier one; it stacks with the tier's and the program's multipliers.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from chalicelib.domain.ids import REWARD_ID, well_formed

BONUS_POINTS = (1, 100_000)
MULTIPLIER = (Decimal("1.1"), Decimal(10))
BOOST_DAYS = (1, 90)
TAG_LENGTH = 40
_FACTOR = re.compile(r"[0-9]{1,2}(?:\.[0-9]{1,2})?")
_TAG = re.compile(rf"[\w -]{{1,{TAG_LENGTH}}}")
KINDS = {"bonus_points": ("bonus_points",), "multiplier": ("multiplier", "days"), "reward_id": ("reward_id",),
         "shopify_tag": ("shopify_tag",)}
WHAT = {
    "bonus_points": f"an integer from {BONUS_POINTS[0]} to {BONUS_POINTS[1]:,}",
    "multiplier": f"a decimal string from {MULTIPLIER[0]} to {MULTIPLIER[1]} with at most 2 decimal places",
    "days": f"an integer from {BOOST_DAYS[0]} to {BOOST_DAYS[1]}",
    "reward_id": "the id of a reward in the catalog (rw_ and 16 hexadecimal digits)",
    "shopify_tag": f"a tag of 1 to {TAG_LENGTH} characters: letters, digits, '-', '_' and spaces",
}


@dataclass(frozen=True)
class BonusPoints:
    points: int


@dataclass(frozen=True)
class PointsMultiplier:
    factor: Decimal
    days: int


@dataclass(frozen=True)
class RewardOffer:
    reward_id: str


@dataclass(frozen=True)
class ShopifyTag:
    tag: str


Offer = BonusPoints | PointsMultiplier | RewardOffer | ShopifyTag


@dataclass(frozen=True)
class Boost:
    """A granted multiplier on the member's profile: order points × `factor` for orders processed in
    [starts_at, ends_at)."""

    factor: Decimal
    starts_at: datetime
    ends_at: datetime

    def factor_at(self, at: datetime) -> Decimal:
        return self.factor if self.starts_at <= at < self.ends_at else Decimal(1)


def parse_offer(raw: object, at: str) -> tuple[Offer | None, list[str]]:
    """The offer in `raw`, or None and every problem, each `<at>[.<field>]: <what the field takes>`."""
    if not isinstance(raw, Mapping):
        return None, [f"{at}: {ONE_OF}"]
    kinds = [kind for kind in KINDS if kind in raw]
    if len(kinds) != 1:
        return None, [f"{at}: {ONE_OF}" + (f" (found {', '.join(kinds)})" if kinds else "")]
    unknown = [f"{at}.{name}: unknown field" for name in raw if name not in KINDS[kinds[0]]]
    offer, problems = _PARSERS[kinds[0]](raw, at)
    return (offer if not unknown else None), unknown + problems


ONE_OF = "an object with exactly one of bonus_points, multiplier (with days), reward_id or shopify_tag"
Parsed = tuple[Offer | None, list[str]]


def _bonus(raw: Mapping[str, object], at: str) -> Parsed:
    points = _integer(raw.get("bonus_points"), BONUS_POINTS)
    return (BonusPoints(points), []) if points is not None else (None, [_problem(at, "bonus_points")])


def _multiplier(raw: Mapping[str, object], at: str) -> Parsed:
    value, days = raw.get("multiplier"), _integer(raw.get("days"), BOOST_DAYS)
    factor = Decimal(value) if isinstance(value, str) and _FACTOR.fullmatch(value) else None
    if factor is not None and not MULTIPLIER[0] <= factor <= MULTIPLIER[1]:
        factor = None
    problems = [_problem(at, name) for name, got in (("multiplier", factor), ("days", days)) if got is None]
    return (PointsMultiplier(factor, days) if factor is not None and days is not None else None), problems


def _reward(raw: Mapping[str, object], at: str) -> Parsed:
    reward_id = raw.get("reward_id")
    if isinstance(reward_id, str) and well_formed(REWARD_ID, reward_id):
        return RewardOffer(reward_id), []
    return None, [_problem(at, "reward_id")]


def _tag(raw: Mapping[str, object], at: str) -> Parsed:
    tag = raw.get("shopify_tag")
    if isinstance(tag, str) and _TAG.fullmatch(tag.strip(" ")):
        return ShopifyTag(tag.strip(" ")), []
    return None, [_problem(at, "shopify_tag")]


def _integer(raw: object, bounds: tuple[int, int]) -> int | None:
    ok = isinstance(raw, int) and not isinstance(raw, bool) and bounds[0] <= raw <= bounds[1]
    return raw if ok and isinstance(raw, int) else None


def _problem(at: str, name: str) -> str:
    return f"{at}.{name}: {WHAT[name]}"


_PARSERS = {"bonus_points": _bonus, "multiplier": _multiplier, "reward_id": _reward, "shopify_tag": _tag}


def offer_key(key: str) -> str:
    """The business key of a grant named `key` by its caller: its bonus entry's, its boost's guard, its reward's
    idempotency key (one key grants one offer)."""
    return f"offer:{key}"


def offer_json(offer: Offer) -> dict[str, object]:
    """The offer as parse_offer reads it (for storage and the admin API)."""
    if isinstance(offer, BonusPoints):
        return {"bonus_points": offer.points}
    if isinstance(offer, PointsMultiplier):
        return {"multiplier": format(offer.factor, "f"), "days": offer.days}
    if isinstance(offer, RewardOffer):
        return {"reward_id": offer.reward_id}
    return {"shopify_tag": offer.tag}
