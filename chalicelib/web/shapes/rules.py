"""A program's rules on the wire: what GET /admin/rules answers and POST /admin/rules takes.

The rules are checked by `domain/rules_codec.py` and `services/rules_input.py` (every bad field listed at once,
cross-field rules among them, as the store and the rules CLI need too), a dry run's range by `services/dry_run.py`;
these shapes document them from the same named bounds.
"""
from __future__ import annotations

from typing import Annotated, Literal

from msgspec import UNSET, Meta, Struct, UnsetType, field

from chalicelib.domain import rules_codec as codec
from chalicelib.services.dry_run import MAX_RANGE
from chalicelib.services.rules_input import DECIMAL_BOUNDS, DECIMAL_PLACES, LIST_SIZES, TAG_LENGTH, VERSION
from chalicelib.web.shapes.requests import whole
from chalicelib.web.shapes.responses import Time

Name = Annotated[str, Meta(min_length=1, max_length=codec.NAME_LENGTH)]


def decimal(name: str) -> object:
    return Annotated[str | int, Meta(description=(
        f"a decimal (a string, or an integer) from 0 to {DECIMAL_BOUNDS[name]} with at most {DECIMAL_PLACES} "
        "decimal places"))]


def days(bounds: tuple[int, int]) -> object:
    return Annotated[int, Meta(ge=bounds[0], le=bounds[1])]


class Tier(Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    threshold: decimal("threshold")                                         # type: ignore[valid-type]
    multiplier: decimal("multiplier")                                       # type: ignore[valid-type]


class Campaign(Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    starts_at: Time
    ends_at: Time
    multiplier: decimal("multiplier")                                       # type: ignore[valid-type]


class Expiry(Struct, forbid_unknown_fields=True, kw_only=True):
    policy: Literal[codec.EXPIRY_POLICIES]                                  # type: ignore[valid-type]
    months: days(codec.EXPIRY_MONTHS)                                       # type: ignore[valid-type]


class Override(Struct, forbid_unknown_fields=True, kw_only=True):
    tag: Name
    days: days(codec.OVERRIDE_DAYS)                                         # type: ignore[valid-type]


class Reviews(Struct, forbid_unknown_fields=True, kw_only=True):
    after_fulfillment_days: days(codec.REVIEW_DAYS)                         # type: ignore[valid-type]
    after_delivery_days: days(codec.REVIEW_DAYS)                            # type: ignore[valid-type]
    reminder_days: days(codec.REMINDER_DAYS)                                # type: ignore[valid-type]
    overrides: Annotated[list[Override], Meta(max_length=LIST_SIZES["reviews.overrides"])] = []


class Rules(Struct, forbid_unknown_fields=True, kw_only=True):
    """A rules version; sent, `version` and `effective_from` may be left out (a generated name, now)."""

    version: Annotated[str, Meta(pattern=whole(VERSION.pattern))] | UnsetType = UNSET
    effective_from: Time | UnsetType = UNSET
    points_per_unit: decimal("points_per_unit")                             # type: ignore[valid-type]
    rounding: Literal[codec.ROUNDINGS]                                      # type: ignore[valid-type]
    excluded_product_tags: Annotated[list[Annotated[str, Meta(min_length=1, max_length=TAG_LENGTH)]],
                                     Meta(max_length=LIST_SIZES["excluded_product_tags"])] = []
    hold_days: days(codec.HOLD_DAYS)                                        # type: ignore[valid-type]
    negative_balance: Literal[codec.BALANCE_POLICIES]                       # type: ignore[valid-type]
    signup_bonus: days(codec.SIGNUP_BONUS)                                  # type: ignore[valid-type]
    tiers: Annotated[list[Tier], Meta(min_length=1, max_length=LIST_SIZES["tiers"])]
    campaigns: Annotated[list[Campaign], Meta(max_length=LIST_SIZES["campaigns"])] = []
    expiry: Expiry
    reviews: Reviews


class RulesVersions(Struct):
    current: Rules
    versions: list[Rules]


class Withdrawn(Struct):
    withdrawn: Rules


class DryRunRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    """Proposed rules and the range of payment times to compare them on; `cursor` continues a report."""

    rules: Rules
    from_: Annotated[Time, Meta(description="ISO-8601 with an offset")] = field(name="from")
    to: Annotated[Time, Meta(description=f"ISO-8601 with an offset, after from, at most {MAX_RANGE.days} days later")]
    cursor: Annotated[str, Meta(min_length=1, max_length=1024, description="next of the previous page")] | None = None
