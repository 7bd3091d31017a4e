"""What the admin API takes in a request body. Unknown fields are refused except where noted."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from msgspec import Meta, Struct

from chalicelib.domain.ids import MEMBER_ID, PLATFORM_ID, SHOP_DOMAIN
from chalicelib.domain.rewards import FREE_SHIPPING, KINDS, PERCENTAGE, Reward
from chalicelib.services.adjustments import MAX_POINTS
from chalicelib.services.api_keys import SCOPES
from chalicelib.services.rewards import AMOUNT, MAX_AMOUNT, MAX_COST, MAX_VALIDITY_DAYS, PERCENT

_NOT_BLANK = r"\S"                        # at least one character that is not white space


def whole(pattern: str) -> str:
    """A pattern the whole string must match: msgspec and JSON Schema search, and Python's `$` also matches before
    a final newline, which `(?!\\n)` rules out."""
    return f"^(?:{pattern})(?!\\n)$"


IdempotencyKey = Annotated[str, Meta(min_length=1, max_length=255, description="a string of 1 to 255 characters")]
Reason = Annotated[str, Meta(min_length=1, max_length=500, pattern=_NOT_BLANK,
                             description="a string of 1 to 500 characters")]
Name = Annotated[str, Meta(min_length=1, max_length=100, pattern=_NOT_BLANK,
                           description="a string of 1 to 100 characters")]
MemberId = Annotated[str, Meta(pattern=whole(MEMBER_ID.pattern),
                               description="the id of the other member (m_ and 24 hex digits)")]


class Adjustment(Struct, forbid_unknown_fields=True, kw_only=True):
    """Points added (positive) or taken (negative), with a reason; the key makes a retry return the same entry."""

    points: Annotated[int, Meta(ge=-MAX_POINTS, le=MAX_POINTS, extra_json_schema={"not": {"const": 0}},
                                description=f"a non-zero integer from -{MAX_POINTS:,} to {MAX_POINTS:,}")]
    reason: Reason
    idempotency_key: IdempotencyKey

    def __post_init__(self) -> None:
        if self.points == 0:
            raise ValueError(f"points: a non-zero integer from -{MAX_POINTS:,} to {MAX_POINTS:,} is required")
        self.reason = self.reason.strip()


Amount = Annotated[str, Meta(pattern=whole(AMOUNT.pattern), description=(
    f"an amount above 0 and at most {MAX_AMOUNT} (a percentage: at most {PERCENT}), as a decimal string with at "
    "most 2 decimals; none for free_shipping"))]
Subtotal = Annotated[str, Meta(pattern=whole(AMOUNT.pattern), description=(
    f"an amount from 0 to {MAX_AMOUNT}, as a decimal string with at most 2 decimals"))]


class NewReward(Struct, forbid_unknown_fields=True, kw_only=True):
    """A reward of the catalog: what it gives and what it costs."""

    name: Name
    kind: Annotated[Literal[KINDS], Meta(description=f"one of {', '.join(KINDS)}")]  # type: ignore[valid-type]
    value: Amount | None = None
    points_cost: Annotated[int, Meta(ge=1, le=MAX_COST, description=f"an integer from 1 to {MAX_COST:,}")]
    minimum_subtotal: Subtotal | None = None
    validity_days: Annotated[int, Meta(ge=1, le=MAX_VALIDITY_DAYS,
                                       description=f"an integer from 1 to {MAX_VALIDITY_DAYS}")] | None = None

    def __post_init__(self) -> None:
        self.name = self.name.strip()
        if self.kind == FREE_SHIPPING:
            if self.value is not None:
                raise ValueError("value: free shipping takes no value")
            return
        most = PERCENT if self.kind == PERCENTAGE else MAX_AMOUNT
        wanted = "a percentage above 0 and at most 100" if self.kind == PERCENTAGE else \
            f"an amount above 0 and at most {MAX_AMOUNT}"
        if self.value is None or not 0 < Decimal(self.value) <= most:
            raise ValueError(f"value: {wanted}, as a decimal string with at most 2 decimals, is required")

    def reward(self, reward_id: str, created_at: datetime) -> Reward:
        """The reward this asks for, under its new id."""
        return Reward(reward_id=reward_id, name=self.name, kind=self.kind, points_cost=self.points_cost,
                      value=None if self.value is None else Decimal(self.value), created_at=created_at,
                      minimum_subtotal=None if self.minimum_subtotal is None else Decimal(self.minimum_subtotal),
                      validity_days=self.validity_days)


class NewRedemption(Struct, forbid_unknown_fields=True, kw_only=True):
    """Points for a reward; the key makes a retry return the same redemption."""

    reward_id: Annotated[str, Meta(min_length=1, max_length=64, description="a reward id string")]
    idempotency_key: IdempotencyKey


class NewApiKey(Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    scopes: Annotated[list[Literal[SCOPES]], Meta(                          # type: ignore[valid-type]
        min_length=1, max_length=len(SCOPES), description=f"a non-empty list of {', '.join(SCOPES)}")]

    def __post_init__(self) -> None:
        self.name = self.name.strip()


class Merge(Struct, forbid_unknown_fields=True, kw_only=True):
    """Another member found to be the same person, to merge into this one."""

    member_id: MemberId
    reason: Reason

    def __post_init__(self) -> None:
        self.reason = self.reason.strip()


class Review(Struct, kw_only=True):
    """An order the customer reviewed (other fields are ignored)."""

    order_id: Annotated[str, Meta(pattern=whole(PLATFORM_ID.pattern),
                                  description="the Shopify order id as a string of 1 to 20 digits")]
    shop: Annotated[str, Meta(max_length=128, pattern=whole(SHOP_DOMAIN.pattern), description=(
        "the shop's domain as a string (absent for the program's shop)"))] | None = None
