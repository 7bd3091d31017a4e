"""Program rules ↔ JSON (the admin API, the rules store and the rules CLI share it), and the rules across fields.

Each field's form and bounds are declared once, in the rules shape (web/shapes/rules.py), from the bounds named
here. What a field's shape cannot say is `rule_problems`: times that read as ISO-8601 with an offset and lie in
2000–2099, campaigns that end after they start, tiers from threshold 0 with unique names, journey thresholds in order
(lapsed below at_risk), survey settings SurveyRules takes, a point value above 0.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from chalicelib.domain.accounting import ALLOW_NEGATIVE, FLOOR_AT_ZERO, Policy
from chalicelib.domain.journey import JourneyRules
from chalicelib.domain.program import (
    DEFAULT_POINT_VALUE,
    INACTIVITY,
    LOTS,
    NO_EXPIRY,
    NOTIFICATION_KINDS,
    Campaign,
    Expiry,
    Notifications,
    ProgramRules,
    ReviewTiming,
    Tier,
)
from chalicelib.domain.rules import EarningRule
from chalicelib.domain.surveys import SurveyRules

NAME_LENGTH = 64                                   # a tier's or campaign's name, an override's tag
TAG_LENGTH = 255                                   # an excluded product tag
HOLD_DAYS = (0, 365)
SIGNUP_BONUS = (0, 1_000_000)
EXPIRY_MONTHS = (1, 120)
REVIEW_DAYS = (0, 90)                              # after fulfilment, after delivery
REMINDER_DAYS = (1, 60)
OVERRIDE_DAYS = (0, 120)
ROUNDINGS = ("down", "half_up", "up")
BALANCE_POLICIES = (ALLOW_NEGATIVE, FLOOR_AT_ZERO)
EXPIRY_POLICIES = (NO_EXPIRY, INACTIVITY, LOTS)
LOYAL_ORDERS = (2, 100)                            # journey: purchase days that make a customer loyal
LOYAL_WINDOW_DAYS = (30, 1095)
GAP_DAYS = (1, 730)                                # journey: min_gap_days, fallback_gap_days
WON_BACK_DAYS = (1, 730)
GAPS = (1, 20)                                     # journey: at_risk_gaps, lapsed_gaps
TOUCH_DAYS = (1, 365)                              # journey: touch_window_days
SURVEY_DELIVERY_DAYS = (0, 90)                     # surveys: nps_after_delivery_days
SURVEY_ORDERS = (1, 100)                           # surveys: nps_after_orders (the Nth purchase day)
THROTTLE_DAYS = (1, 730)                           # surveys: at most one survey per person in this many days
SURVEY_TOKEN_DAYS = (1, 365)                       # surveys: how long a survey's links work
LIST_SIZES = {"tiers": 20, "campaigns": 100, "excluded_product_tags": 500, "reviews.overrides": 100}
DECIMAL_DIGITS = {"points_per_unit": 3, "threshold": 12, "multiplier": 2}   # at most 10 ** digits
DECIMAL_PLACES = 6
POINT_VALUE_MAX, POINT_VALUE_PLACES = 1000, 4       # point_value: above 0, at most 1000, at most 4 decimal places
MAX_JSON = 64_000                                  # characters of a rules document
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


def rules_to_json(rules: ProgramRules) -> dict[str, Any]:
    return {
        "version": rules.version, "effective_from": rules.effective_from.isoformat(),
        "points_per_unit": _text(rules.earning.points_per_unit), "rounding": rules.earning.rounding,
        "excluded_product_tags": sorted(rules.earning.excluded_product_tags),
        "hold_days": rules.policy.hold_days, "negative_balance": rules.policy.negative_balance,
        "signup_bonus": rules.signup_bonus,
        "tiers": [{"name": t.name, "threshold": _text(t.threshold), "multiplier": _text(t.multiplier)}
                  for t in rules.tiers],
        "campaigns": [{"name": c.name, "starts_at": c.starts_at.isoformat(), "ends_at": c.ends_at.isoformat(),
                       "multiplier": _text(c.multiplier)} for c in rules.campaigns],
        "expiry": {"policy": rules.expiry.policy, "months": rules.expiry.months},
        "reviews": {"after_fulfillment_days": rules.reviews.after_fulfillment_days,
                    "after_delivery_days": rules.reviews.after_delivery_days,
                    "reminder_days": rules.reviews.reminder_days,
                    "overrides": [{"tag": tag, "days": days} for tag, days in rules.reviews.overrides]},
        "journey": journey_to_json(rules.journey),
        "surveys": surveys_to_json(rules.surveys),
        "point_value": _text(rules.point_value),
        "notifications": notifications_to_json(rules.notifications),
    }


def notifications_to_json(notifications: Notifications) -> dict[str, bool]:
    return {kind: notifications.sends(kind) for kind in NOTIFICATION_KINDS}


def notifications_from_json(data: Mapping[str, Any] | None) -> Notifications:
    """Which notices are sent; a document without the section (stored before it existed) sends them all, and a kind
    left out is sent."""
    return Notifications(off=frozenset(kind for kind in NOTIFICATION_KINDS if (data or {}).get(kind) is False))


def journey_to_json(rules: JourneyRules) -> dict[str, Any]:
    return {"loyal_orders": rules.loyal_orders, "loyal_window_days": rules.loyal_window.days,
            "loyal_by_tier": rules.loyal_by_tier, "at_risk_p_alive": _text(Decimal(str(rules.at_risk_p_alive))),
            "lapsed_p_alive": _text(Decimal(str(rules.lapsed_p_alive))),
            "at_risk_gaps": _text(Decimal(str(rules.at_risk_gaps))),
            "lapsed_gaps": _text(Decimal(str(rules.lapsed_gaps))),
            "min_gap_days": rules.min_gap.days, "fallback_gap_days": rules.fallback_gap.days,
            "won_back_days": rules.won_back_period.days, "touch_window_days": rules.touch_window.days}


def journey_from_json(data: Mapping[str, Any] | None) -> JourneyRules:
    """The journey settings of a rules document; a document without them (stored before they existed) has the
    defaults. ValueError when they break a rule across fields (JourneyRules says which)."""
    if not data:
        return JourneyRules()
    default = journey_to_json(JourneyRules())
    value = {**default, **data}
    return JourneyRules(
        loyal_orders=value["loyal_orders"], loyal_window=timedelta(days=value["loyal_window_days"]),
        loyal_by_tier=value["loyal_by_tier"], at_risk_p_alive=float(value["at_risk_p_alive"]),
        lapsed_p_alive=float(value["lapsed_p_alive"]), at_risk_gaps=float(value["at_risk_gaps"]),
        lapsed_gaps=float(value["lapsed_gaps"]), min_gap=timedelta(days=value["min_gap_days"]),
        fallback_gap=timedelta(days=value["fallback_gap_days"]),
        won_back_period=timedelta(days=value["won_back_days"]),
        touch_window=timedelta(days=value["touch_window_days"]))


def surveys_to_json(rules: SurveyRules) -> dict[str, Any]:
    return {"nps_after_delivery_days": rules.nps_after_delivery_days, "nps_after_orders": rules.nps_after_orders,
            "nps_on_stages": list(rules.nps_on_stages), "csat_on_ticket_closed": rules.csat_on_ticket_closed,
            "throttle_days": rules.throttle_days, "token_days": rules.token_days}


def surveys_from_json(data: Mapping[str, Any] | None) -> SurveyRules:
    """When surveys are asked; a document without the section (stored before it existed) has the defaults, and each
    field left out its default. ValueError when a value is out of bounds (SurveyRules says which)."""
    value = {**surveys_to_json(SurveyRules()), **(data or {})}
    return SurveyRules(nps_after_delivery_days=value["nps_after_delivery_days"],
                       nps_after_orders=value["nps_after_orders"],
                       nps_on_stages=tuple(dict.fromkeys(value["nps_on_stages"])),
                       csat_on_ticket_closed=value["csat_on_ticket_closed"], throttle_days=value["throttle_days"],
                       token_days=value["token_days"])


def rules_from_json(data: Mapping[str, Any]) -> ProgramRules:
    """Rules from JSON that has the rules shape and breaks no rule across fields (checked on the way in: a stored
    version passed that check)."""
    version = data["version"]
    expiry, reviews = data["expiry"], data["reviews"]
    tiers = sorted((Tier(t["name"], Decimal(str(t["threshold"])), Decimal(str(t["multiplier"])))
                    for t in data["tiers"]), key=lambda t: t.threshold)
    return ProgramRules(
        version=version, effective_from=datetime.fromisoformat(data["effective_from"]),
        earning=EarningRule(version=version, points_per_unit=Decimal(str(data["points_per_unit"])),
                            rounding=data["rounding"],
                            excluded_product_tags=frozenset(tag_key(t) for t in data.get("excluded_product_tags", [])
                                                            if t.strip())),
        policy=Policy(hold_days=data["hold_days"], negative_balance=data["negative_balance"]),
        signup_bonus=data["signup_bonus"],
        tiers=tuple(tiers),
        campaigns=tuple(Campaign(c["name"], datetime.fromisoformat(c["starts_at"]),
                                 datetime.fromisoformat(c["ends_at"]), Decimal(str(c["multiplier"])))
                        for c in data.get("campaigns", [])),
        expiry=Expiry(policy=expiry["policy"], months=expiry["months"]),
        reviews=ReviewTiming(after_fulfillment_days=reviews["after_fulfillment_days"],
                             after_delivery_days=reviews["after_delivery_days"],
                             reminder_days=reviews["reminder_days"],
                             overrides=tuple((tag_key(o["tag"]), o["days"])
                                             for o in reviews.get("overrides", []))),
        journey=journey_from_json(data.get("journey")),
        surveys=surveys_from_json(data.get("surveys")),
        point_value=Decimal(str(data.get("point_value", DEFAULT_POINT_VALUE))),
        notifications=notifications_from_json(data.get("notifications")),
    )


def rule_problems(data: Mapping[str, Any], sound: Callable[[str], bool]) -> list[str]:
    """`<field>: <what is required>` for each rule across fields that `data` breaks. `sound(path)` tells whether
    the field at `path` (and all it holds) has its shape: a rule is only applied to fields that do, so that a field
    with a problem of its own is named once."""
    found = _time_problems(data.get("effective_from"), "effective_from") if sound("effective_from") else []
    campaigns = data.get("campaigns", [])
    listed = isinstance(campaigns, list) and len(campaigns) <= LIST_SIZES["campaigns"]
    for i, campaign in enumerate(campaigns if listed else []):
        if isinstance(campaign, Mapping):
            found += _campaign_problems(campaign, f"campaigns[{i}]", sound)
    if sound("tiers"):
        found += _tier_problems(data["tiers"])
    if sound("journey"):
        try:
            journey_from_json(data.get("journey"))
        except ValueError as e:
            found.append(f"journey: {e}")
    if sound("surveys"):
        try:
            surveys_from_json(data.get("surveys"))
        except ValueError as e:
            found.append(f"surveys: {e}")
    if sound("point_value") and "point_value" in data and Decimal(data["point_value"]) == 0:
        found.append("point_value: a decimal above 0 is required")
    return found + _tag_problems(data, sound)


def tag_key(tag: str) -> str:
    """A product tag as rules match it: trimmed, lower case (Shopify's tags are case-insensitive)."""
    return tag.strip().lower()


def _tag_problems(data: Mapping[str, Any], sound: Callable[[str], bool]) -> list[str]:
    """Tags are kept in lower case, which can lengthen them ("İ" becomes two characters): what is kept must fit too."""
    found = []
    if sound("excluded_product_tags"):
        found += [f"excluded_product_tags[{i}]: at most {TAG_LENGTH} characters in lower case"
                  for i, tag in enumerate(data.get("excluded_product_tags", [])) if len(tag_key(tag)) > TAG_LENGTH]
    if sound("reviews"):
        found += [f"reviews.overrides[{i}].tag: at most {NAME_LENGTH} characters in lower case"
                  for i, o in enumerate(data["reviews"].get("overrides", [])) if len(tag_key(o["tag"])) > NAME_LENGTH]
    return found


def offset_time(raw: Any) -> datetime | None:
    """An ISO-8601 time with an offset; None for anything else."""
    try:
        value = datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
    return value if value is not None and value.tzinfo is not None else None


def _time_problems(raw: Any, path: str) -> list[str]:
    at = offset_time(raw)
    if at is None:
        return [f"{path}: an ISO-8601 time with an offset is required"]
    return [] if EARLIEST <= at < LATEST else [f"{path}: a time from 2000 to 2099 is required"]


def _campaign_problems(campaign: Mapping[str, Any], path: str, sound: Callable[[str], bool]) -> list[str]:
    times = {name: f"{path}.{name}" for name in ("starts_at", "ends_at") if sound(f"{path}.{name}")}
    found = [problem for name, where in times.items() for problem in _time_problems(campaign.get(name), where)]
    starts, ends = (offset_time(campaign.get(name)) if name in times else None for name in ("starts_at", "ends_at"))
    if starts is not None and ends is not None and ends <= starts:
        found.append(f"{path}.ends_at: must be after starts_at")
    return found


def _tier_problems(tiers: list[Mapping[str, Any]]) -> list[str]:
    found = []
    if min(Decimal(str(t["threshold"])) for t in tiers) != 0:
        found.append("tiers: the lowest tier must have threshold 0")
    if len({t["name"] for t in tiers}) != len(tiers):
        found.append("tiers: names must be unique")
    return found


def _text(value: Decimal) -> str:
    """A decimal in plain digits, never in exponent form."""
    return format(value, "f")
