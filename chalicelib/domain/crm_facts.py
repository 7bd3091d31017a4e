"""The loyalty facts pushed to the CRMs: HubSpot contact properties `loyalty_<name>`, Shopify customer
metafields `loyalty.<name>`. Values are strings; an empty string clears the value (no next tier, nothing expiring).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from chalicelib.domain.ledger import Member
from chalicelib.domain.standing import Standing

GROUP, GROUP_LABEL, PREFIX = "loyalty", "Loyalty", "loyalty_"


@dataclass(frozen=True)
class Fact:
    name: str
    label: str
    kind: str              # "number", "decimal", "text" or "date"
    description: str = ""


FACTS: tuple[Fact, ...] = (
    Fact("points_balance", "Loyalty points balance", "number", "Points the customer can spend"),
    Fact("pending_points", "Loyalty pending points", "number", "Points waiting for the return window to end"),
    Fact("lifetime_points", "Loyalty lifetime points", "number", "Points ever earned, net of refunds"),
    Fact("tier", "Loyalty tier", "text"),
    Fact("amount_to_next_tier", "Loyalty amount to next tier", "decimal", "More spend that reaches the next tier"),
    Fact("amount_to_keep_tier", "Loyalty amount to keep tier", "decimal", "More spend before the review that keeps"
                                                                          " the tier"),
    Fact("next_expiry_date", "Loyalty next points expiry", "date"),
    Fact("next_expiry_points", "Loyalty points expiring next", "number"),
    Fact("member_id", "Loyalty member id", "text"),
    Fact("last_review_request", "Loyalty last review request", "date", "When the last review request was sent"),
)

# Changes when the set of facts does, so that the CRM setup runs again for a new property.
SPEC_VERSION = hashlib.sha256("|".join(f"{f.name}:{f.kind}" for f in FACTS).encode()).hexdigest()[:12]


def member_facts(member: Member, standing: Standing, last_review_request: datetime | None) -> dict[str, str]:
    """Every fact by name, as the string the CRMs take."""
    return {
        "points_balance": str(member.points_balance),
        "pending_points": str(member.pending_points),
        "lifetime_points": str(member.lifetime_points),
        "tier": standing.tier,
        "amount_to_next_tier": _amount(standing.spend_to_next_tier),
        "amount_to_keep_tier": _amount(standing.spend_to_keep_tier),
        "next_expiry_date": _date(standing.next_expiry_at),
        "next_expiry_points": str(standing.next_expiry_points) if standing.next_expiry_at else "",
        "member_id": member.member_id,
        "last_review_request": _date(last_review_request),
    }


def _amount(value: Decimal | None) -> str:
    return "" if value is None else format(value.quantize(Decimal("0.01")), "f")


def _date(at: datetime | None) -> str:
    """A calendar date (UTC): HubSpot date properties and Shopify `date` metafields take YYYY-MM-DD."""
    return "" if at is None else at.astimezone(UTC).date().isoformat()
