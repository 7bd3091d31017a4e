"""A program's rules, versioned: earning, campaigns, tiers, holds, clawback policy, expiry, signup bonus, when
surveys are asked, what a point is worth, which notices are sent.

Every award records the version that produced it, so a clawback follows the award, never today's rules.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from chalicelib.domain.accounting import Policy
from chalicelib.domain.journey import JourneyRules
from chalicelib.domain.messages import Message
from chalicelib.domain.rules import EarningRule
from chalicelib.domain.surveys import SurveyRules

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
NO_EXPIRY, INACTIVITY, LOTS = "none", "inactivity", "lots"
DEFAULT_POINT_VALUE = Decimal("0.01")


@dataclass(frozen=True)
class Tier:
    name: str
    threshold: Decimal            # qualifying spend over the rolling 12 months, shop currency
    multiplier: Decimal = Decimal(1)


@dataclass(frozen=True)
class Campaign:
    name: str
    starts_at: datetime
    ends_at: datetime
    multiplier: Decimal

    def active(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


@dataclass(frozen=True)
class Expiry:
    policy: str = NO_EXPIRY       # none | inactivity (whole balance) | lots (each award on its own)
    months: int = 12


@dataclass(frozen=True)
class ReviewTiming:
    after_fulfillment_days: int = 14     # when no delivery event arrives
    after_delivery_days: int = 3
    reminder_days: int = 7
    overrides: tuple[tuple[str, int], ...] = ()   # (product tag, days after delivery), e.g. ("skincare", 28)

    def delay_for(self, tags: frozenset[str]) -> int | None:
        """The longest override among the order's products' tags, if any applies."""
        days = [d for tag, d in self.overrides if tag in tags]
        return max(days) if days else None


# The notices the engine writes on its own, which a program may switch off (the welcome stays: it marks an enrolment).
NOTIFICATION_KINDS = ("points_earned", "tier_achieved", "reward_available", "points_expiring", "tier_at_risk")


@dataclass(frozen=True)
class Notifications:
    """The notices the program does not send: none are written (no message, no due entry: fewer write units)."""

    off: frozenset[str] = frozenset()

    def sends(self, kind: str) -> bool:
        return kind not in self.off


DEFAULT_TIERS = (Tier("member", Decimal(0)), Tier("silver", Decimal(500), Decimal("1.25")),
                 Tier("gold", Decimal(1000), Decimal("1.5")))


@dataclass(frozen=True)
class ProgramRules:
    version: str = "default-1"
    effective_from: datetime = EPOCH
    earning: EarningRule = field(default_factory=lambda: EarningRule(version="default-1"))
    policy: Policy = field(default_factory=Policy)
    signup_bonus: int = 100
    tiers: tuple[Tier, ...] = DEFAULT_TIERS
    campaigns: tuple[Campaign, ...] = ()
    expiry: Expiry = field(default_factory=Expiry)
    reviews: ReviewTiming = field(default_factory=ReviewTiming)
    journey: JourneyRules = field(default_factory=JourneyRules)
    surveys: SurveyRules = field(default_factory=SurveyRules)
    point_value: Decimal = DEFAULT_POINT_VALUE    # what one point is worth in the shop's currency (offers' cost)
    notifications: Notifications = field(default_factory=Notifications)

    def sendable(self, messages: tuple[Message, ...]) -> tuple[Message, ...]:
        """The messages of kinds the program sends."""
        return tuple(m for m in messages if self.notifications.sends(m.kind))

    def tier_for(self, spend: Decimal) -> Tier:
        """The highest tier whose threshold the spend reaches (tiers are kept sorted by threshold)."""
        reached = [t for t in self.tiers if spend >= t.threshold]
        return reached[-1] if reached else self.tiers[0]

    def tier_named(self, name: str) -> Tier:
        return next((t for t in self.tiers if t.name == name), self.tiers[0])

    def multiplier(self, at: datetime, tier: str) -> Decimal:
        """Campaign multipliers active at `at` stack with the member's tier multiplier."""
        factor = self.tier_named(tier).multiplier
        for campaign in self.campaigns:
            if campaign.active(at):
                factor *= campaign.multiplier
        return factor


DEFAULT_RULES = ProgramRules()


def rules_at(versions: list[ProgramRules], at: datetime) -> ProgramRules:
    """The version in force at `at`: the latest whose effective time is not after it."""
    in_force = [v for v in versions if v.effective_from <= at]
    return max(in_force, key=lambda v: v.effective_from) if in_force else DEFAULT_RULES
