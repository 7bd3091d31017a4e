"""A program's rules on the wire: what GET /admin/rules answers, POST /admin/rules takes, and a dry run proposes.

These shapes check each field (`web/rules_input.py` reads a body through them), and the rules across fields follow
in the domain (`rules_codec.rule_problems`); the bounds are the ones `domain/rules_codec.py` names.
"""
from __future__ import annotations

from typing import Annotated, Literal

from msgspec import UNSET, Meta, Struct, UnsetType, field

from chalicelib.domain import rules_codec as codec
from chalicelib.domain.ids import RULES_VERSION
from chalicelib.domain.program import DEFAULT_POINT_VALUE
from chalicelib.domain.surveys import SURVEY_STAGES
from chalicelib.services.dry_run import MAX_RANGE
from chalicelib.web.shapes.requests import whole
from chalicelib.web.shapes.responses import Time

Version = Annotated[str, Meta(pattern=whole(RULES_VERSION.pattern), description=(
    "letters, digits, '.', '_' and '-' only (a letter or digit first), at most 64 characters"))]
Name = Annotated[str, Meta(min_length=1, max_length=codec.NAME_LENGTH, pattern=r"\S",
                           description=f"a non-empty string of at most {codec.NAME_LENGTH} characters")]
RuleTime = Annotated[Time, Meta(description="an ISO-8601 time with an offset, from 2000 to 2099")]


def decimal(name: str) -> object:
    """From 0 to 10 ** digits with at most DECIMAL_PLACES places: an integer, or a string of plain digits."""
    digits, places = codec.DECIMAL_DIGITS[name], codec.DECIMAL_PLACES
    plain = (f"0*(?:[0-9]{{1,{digits}}}(?:\\.[0-9]{{0,{places}}})?|1{'0' * digits}(?:\\.0{{0,{places}}})?)"
             f"|\\.[0-9]{{1,{places}}}")
    return Annotated[Annotated[str, Meta(pattern=whole(plain))] | Annotated[int, Meta(ge=0, le=10 ** digits)],
                     Meta(description=f"a decimal (a string of digits, or an integer) from 0 to {10 ** digits:,} "
                                      f"with at most {places} decimal places")]


def days(bounds: tuple[int, int]) -> object:
    return Annotated[int, Meta(ge=bounds[0], le=bounds[1], description=f"an integer from {bounds[0]} to {bounds[1]}")]


def days_or_null(bounds: tuple[int, int]) -> object:
    return Annotated[Annotated[int, Meta(ge=bounds[0], le=bounds[1])] | None, Meta(description=(
        f"an integer from {bounds[0]} to {bounds[1]}, or null for none"))]


def one_of(options: tuple[str, ...]) -> object:
    return Annotated[Literal[options], Meta(description=f"one of {', '.join(options)}")]


def listed(name: str, what: str, least: int = 0) -> object:
    return Meta(min_length=least, max_length=codec.LIST_SIZES[name],
                description=f"a list of {least} to {codec.LIST_SIZES[name]} {what}")


class Tier(Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    threshold: decimal("threshold")                                         # type: ignore[valid-type]
    multiplier: decimal("multiplier")                                       # type: ignore[valid-type]


class Campaign(Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    starts_at: RuleTime
    ends_at: RuleTime
    multiplier: decimal("multiplier")                                       # type: ignore[valid-type]


class Expiry(Struct, forbid_unknown_fields=True, kw_only=True):
    policy: one_of(codec.EXPIRY_POLICIES)                                   # type: ignore[valid-type]
    months: days(codec.EXPIRY_MONTHS)                                       # type: ignore[valid-type]


class Override(Struct, forbid_unknown_fields=True, kw_only=True):
    tag: Name
    days: days(codec.OVERRIDE_DAYS)                                         # type: ignore[valid-type]


class Reviews(Struct, forbid_unknown_fields=True, kw_only=True):
    after_fulfillment_days: days(codec.REVIEW_DAYS)                         # type: ignore[valid-type]
    after_delivery_days: days(codec.REVIEW_DAYS)                            # type: ignore[valid-type]
    reminder_days: days(codec.REMINDER_DAYS)                                # type: ignore[valid-type]
    overrides: Annotated[list[Override], listed("reviews.overrides", "overrides (tag and days)")] = []


Probability = Annotated[str, Meta(pattern=r"^(0(\.[0-9]{1,6})?|1(\.0{1,6})?|\.[0-9]{1,6})$",
                                   description="a decimal string from 0 to 1 with at most 6 decimal places")]
Gaps = Annotated[str, Meta(pattern=r"^[0-9]{1,2}(\.[0-9]{1,3})?$",
                           description=f"a decimal string from {codec.GAPS[0]} to {codec.GAPS[1]}, e.g. 2.5")]


class Journey(Struct, forbid_unknown_fields=True, kw_only=True):
    """When a customer is loyal, at risk, lapsed (every field may be left out: its default)."""

    loyal_orders: days(codec.LOYAL_ORDERS) = 4                              # type: ignore[valid-type]
    loyal_window_days: days(codec.LOYAL_WINDOW_DAYS) = 365                  # type: ignore[valid-type]
    loyal_by_tier: bool = True
    at_risk_p_alive: Probability = "0.5"
    lapsed_p_alive: Probability = "0.2"
    at_risk_gaps: Gaps = "2"
    lapsed_gaps: Gaps = "4"
    min_gap_days: days(codec.GAP_DAYS) = 7                                  # type: ignore[valid-type]
    fallback_gap_days: days(codec.GAP_DAYS) = 90                            # type: ignore[valid-type]
    won_back_days: days(codec.WON_BACK_DAYS) = 90                           # type: ignore[valid-type]
    touch_window_days: days(codec.TOUCH_DAYS) = 30                          # type: ignore[valid-type]


class Surveys(Struct, forbid_unknown_fields=True, kw_only=True):
    """When NPS and CSAT surveys are asked (every field may be left out: its default)."""

    nps_after_delivery_days: days_or_null(codec.SURVEY_DELIVERY_DAYS) = 7     # type: ignore[valid-type]
    nps_after_orders: days_or_null(codec.SURVEY_ORDERS) = None                # type: ignore[valid-type]
    nps_on_stages: Annotated[list[one_of(SURVEY_STAGES)], Meta(  # type: ignore[valid-type]
        max_length=len(SURVEY_STAGES),
        description=f"a list of the journey stages whose entry brings a survey: {', '.join(SURVEY_STAGES)}")] = []
    csat_on_ticket_closed: bool = True
    throttle_days: days(codec.THROTTLE_DAYS) = 90                           # type: ignore[valid-type]
    token_days: days(codec.SURVEY_TOKEN_DAYS) = 30                          # type: ignore[valid-type]


class Notifications(Struct, forbid_unknown_fields=True, kw_only=True):
    """Which notices the program sends (each may be left out: sent). One switched off is never written."""

    points_earned: bool = True
    tier_achieved: bool = True
    reward_available: bool = True
    points_expiring: bool = True
    tier_at_risk: bool = True


Tag = Annotated[str, Meta(min_length=1, max_length=codec.TAG_LENGTH)]
_PLACES = codec.POINT_VALUE_PLACES
PointValue = Annotated[str, Meta(
    pattern=whole(f"[0-9]{{1,{len(str(codec.POINT_VALUE_MAX)) - 1}}}(?:\\.[0-9]{{1,{_PLACES}}})?"
                  f"|{codec.POINT_VALUE_MAX}(?:\\.0{{1,{_PLACES}}})?"),
    description=f"a decimal string above 0 and at most {codec.POINT_VALUE_MAX} with at most {_PLACES} decimal "
                "places: what one point is worth in the shop's currency, e.g. 0.01")]


class Rules(Struct, forbid_unknown_fields=True, kw_only=True):
    """A rules version. Sent, `version` and `effective_from` may be left out (or null): a name after now, now."""

    version: Version | UnsetType | None = UNSET
    effective_from: RuleTime | UnsetType | None = UNSET
    points_per_unit: decimal("points_per_unit")                             # type: ignore[valid-type]
    rounding: one_of(codec.ROUNDINGS)                                       # type: ignore[valid-type]
    excluded_product_tags: Annotated[list[Tag], listed(
        "excluded_product_tags", f"strings of 1 to {codec.TAG_LENGTH} characters")] = []
    hold_days: days(codec.HOLD_DAYS)                                        # type: ignore[valid-type]
    negative_balance: one_of(codec.BALANCE_POLICIES)                        # type: ignore[valid-type]
    signup_bonus: days(codec.SIGNUP_BONUS)                                  # type: ignore[valid-type]
    tiers: Annotated[list[Tier], listed("tiers", "tiers (name, threshold, multiplier)", least=1)]
    campaigns: Annotated[list[Campaign], listed("campaigns", "campaigns (name, starts_at, ends_at, multiplier)")] = []
    expiry: Annotated[Expiry, Meta(description="an object with policy and months")]
    reviews: Annotated[Reviews, Meta(description=(
        "an object with after_fulfillment_days, after_delivery_days, reminder_days and optionally overrides"))]
    journey: Annotated[Journey, Meta(description=(
        "an object with the journey's thresholds (all optional): loyal_orders, loyal_window_days, loyal_by_tier, "
        "at_risk_p_alive, lapsed_p_alive, at_risk_gaps, lapsed_gaps, min_gap_days, fallback_gap_days, "
        "won_back_days, touch_window_days"))] | UnsetType = UNSET
    surveys: Annotated[Surveys, Meta(description=(
        "an object saying when surveys are asked (all optional): nps_after_delivery_days, nps_after_orders, "
        "nps_on_stages, csat_on_ticket_closed, throttle_days, token_days"))] | UnsetType = UNSET
    point_value: PointValue = format(DEFAULT_POINT_VALUE, "f")
    notifications: Annotated[Notifications, Meta(description=(
        "an object saying which notices are sent (all optional, true by default): points_earned, tier_achieved, "
        "reward_available, points_expiring, tier_at_risk"))] | UnsetType = UNSET


class RulesVersions(Struct):
    current: Rules
    versions: list[Rules]


class Withdrawn(Struct):
    withdrawn: Rules


DryRunTime = Annotated[Time, Meta(max_length=40, description="an ISO-8601 time with an offset")]


class DryRunRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    """Proposed rules and the range of payment times to compare them on; `cursor` continues a report."""

    rules: Annotated[Rules, Meta(description="an object of proposed rules, as POST /admin/rules takes them")]
    from_: DryRunTime = field(name="from")
    to: Annotated[DryRunTime, Meta(description=(
        f"an ISO-8601 time with an offset, after from and at most {MAX_RANGE.days} days later"))]
    cursor: Annotated[str, Meta(min_length=1, max_length=1024,
                                description="the string a previous answer gave as next")] | None = None
