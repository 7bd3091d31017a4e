"""Program rules ↔ JSON, with field-level validation (the admin API, the rules store and the rules CLI share it).

The bounds are named here once: the check reads them, and so does the rules shape of the OpenAPI document
(web/shapes/rules.py).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from chalicelib.domain.accounting import ALLOW_NEGATIVE, FLOOR_AT_ZERO, Policy
from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.program import (
    EPOCH,
    INACTIVITY,
    LOTS,
    NO_EXPIRY,
    Campaign,
    Expiry,
    ProgramRules,
    ReviewTiming,
    Tier,
)
from chalicelib.domain.rules import EarningRule

NAME_LENGTH = 64                                   # a version's, tier's or campaign's name, an override's tag
HOLD_DAYS = (0, 365)
SIGNUP_BONUS = (0, 1_000_000)
EXPIRY_MONTHS = (1, 120)
REVIEW_DAYS = (0, 90)                              # after fulfilment, after delivery
REMINDER_DAYS = (1, 60)
OVERRIDE_DAYS = (0, 120)
ROUNDINGS = ("down", "half_up", "up")
BALANCE_POLICIES = (ALLOW_NEGATIVE, FLOOR_AT_ZERO)
EXPIRY_POLICIES = (NO_EXPIRY, INACTIVITY, LOTS)


def rules_to_json(rules: ProgramRules) -> dict[str, Any]:
    return {
        "version": rules.version, "effective_from": rules.effective_from.isoformat(),
        "points_per_unit": str(rules.earning.points_per_unit), "rounding": rules.earning.rounding,
        "excluded_product_tags": sorted(rules.earning.excluded_product_tags),
        "hold_days": rules.policy.hold_days, "negative_balance": rules.policy.negative_balance,
        "signup_bonus": rules.signup_bonus,
        "tiers": [{"name": t.name, "threshold": str(t.threshold), "multiplier": str(t.multiplier)}
                  for t in rules.tiers],
        "campaigns": [{"name": c.name, "starts_at": c.starts_at.isoformat(), "ends_at": c.ends_at.isoformat(),
                       "multiplier": str(c.multiplier)} for c in rules.campaigns],
        "expiry": {"policy": rules.expiry.policy, "months": rules.expiry.months},
        "reviews": {"after_fulfillment_days": rules.reviews.after_fulfillment_days,
                    "after_delivery_days": rules.reviews.after_delivery_days,
                    "reminder_days": rules.reviews.reminder_days,
                    "overrides": [{"tag": tag, "days": days} for tag, days in rules.reviews.overrides]},
    }


def rules_from_json(data: Mapping[str, Any]) -> ProgramRules:
    """Build validated rules; every problem is reported at once, each with its field path."""
    errors: list[str] = []
    v = _Reader(data, errors)
    version = v.text("version")
    expiry = _Reader(v.map("expiry"), errors, "expiry.")
    reviews = _Reader(v.map("reviews"), errors, "reviews.")
    tiers = tuple(sorted((_tier(t, f"tiers[{i}]", errors) for i, t in enumerate(v.list("tiers"))),
                         key=lambda t: t.threshold))
    rules = ProgramRules(
        version=version, effective_from=v.time("effective_from"),
        earning=EarningRule(version=version, points_per_unit=v.decimal("points_per_unit", minimum=Decimal(0)),
                            rounding=v.choice("rounding", ROUNDINGS),
                            excluded_product_tags=frozenset(
                                str(t).strip().lower() for t in v.list("excluded_product_tags")
                                if isinstance(t, str) and t.strip())),
        policy=Policy(hold_days=v.integer("hold_days", *HOLD_DAYS),
                      negative_balance=v.choice("negative_balance", BALANCE_POLICIES)),
        signup_bonus=v.integer("signup_bonus", *SIGNUP_BONUS),
        tiers=tiers,
        campaigns=tuple(_campaign(c, f"campaigns[{i}]", errors) for i, c in enumerate(v.list("campaigns"))),
        expiry=Expiry(policy=expiry.choice("policy", EXPIRY_POLICIES),
                      months=expiry.integer("months", *EXPIRY_MONTHS)),
        reviews=ReviewTiming(
            after_fulfillment_days=reviews.integer("after_fulfillment_days", *REVIEW_DAYS),
            after_delivery_days=reviews.integer("after_delivery_days", *REVIEW_DAYS),
            reminder_days=reviews.integer("reminder_days", *REMINDER_DAYS),
            overrides=tuple(_override(o, f"reviews.overrides[{i}]", errors)
                            for i, o in enumerate(reviews.list("overrides")))),
    )
    if not tiers or (tiers and tiers[0].threshold != 0):
        errors.append("tiers: the lowest tier must have threshold 0")
    if len({t.name for t in tiers}) != len(tiers):
        errors.append("tiers: names must be unique")
    if errors:
        raise InvalidRequest("; ".join(errors), code="invalid_rules")
    return rules


def _override(data: Any, path: str, errors: list[str]) -> tuple[str, int]:
    r = _Reader(data if isinstance(data, Mapping) else {}, errors, path + ".")
    return r.text("tag").strip().lower(), r.integer("days", *OVERRIDE_DAYS)


def _tier(data: Any, path: str, errors: list[str]) -> Tier:
    r = _Reader(data if isinstance(data, Mapping) else {}, errors, path + ".")
    return Tier(r.text("name"), r.decimal("threshold", minimum=Decimal(0)), r.decimal("multiplier", minimum=Decimal(0)))


def _campaign(data: Any, path: str, errors: list[str]) -> Campaign:
    r = _Reader(data if isinstance(data, Mapping) else {}, errors, path + ".")
    campaign = Campaign(r.text("name"), r.time("starts_at"), r.time("ends_at"), r.decimal("multiplier", Decimal(0)))
    if campaign.ends_at <= campaign.starts_at:
        errors.append(f"{path}.ends_at: must be after starts_at")
    return campaign


class _Reader:
    def __init__(self, data: Mapping[str, Any], errors: list[str], prefix: str = "") -> None:
        self.data, self.errors, self.prefix = data, errors, prefix

    def _fail(self, name: str, problem: str) -> None:
        self.errors.append(f"{self.prefix}{name}: {problem}")

    def text(self, name: str) -> str:
        value = self.data.get(name)
        if not isinstance(value, str) or not value.strip() or len(value) > NAME_LENGTH:
            self._fail(name, f"a non-empty string of at most {NAME_LENGTH} characters is required")
            return "?"
        return value

    def integer(self, name: str, low: int, high: int) -> int:
        value = self.data.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self._fail(name, f"an integer from {low} to {high} is required")
            return low
        return value

    def decimal(self, name: str, minimum: Decimal) -> Decimal:
        try:
            value = Decimal(str(self.data.get(name)))
            if value.is_finite() and value >= minimum and isinstance(self.data.get(name), str | int):
                return value
        except InvalidOperation:
            pass
        self._fail(name, f"a decimal string not below {minimum} is required")
        return minimum

    def choice(self, name: str, options: tuple[str, ...]) -> str:
        value = self.data.get(name)
        if value not in options:
            self._fail(name, f"one of {', '.join(options)} is required")
            return options[0]
        return str(value)

    def time(self, name: str) -> datetime:
        try:
            value = datetime.fromisoformat(str(self.data.get(name)))
            if value.tzinfo is not None:
                return value
        except ValueError:
            pass
        self._fail(name, "an ISO-8601 time with an offset is required")
        return EPOCH

    def list(self, name: str) -> list[Any]:
        value = self.data.get(name, [])
        if not isinstance(value, list):
            self._fail(name, "a list is required")
            return []
        return value

    def map(self, name: str) -> Mapping[str, Any]:
        value = self.data.get(name, {})
        if not isinstance(value, Mapping):
            self._fail(name, "an object is required")
            return {}
        return value
