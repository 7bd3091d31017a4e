"""The loyalty facts pushed to the CRMs: HubSpot contact properties `loyalty_<name>`, Shopify customer
metafields `loyalty.<name>`. Values are strings; an empty string clears the value (no next tier, nothing expiring).
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from chalicelib.domain.journey import Stage, State
from chalicelib.domain.ledger import Member
from chalicelib.domain.rfm import Segment
from chalicelib.domain.standing import Standing
from chalicelib.domain.surveys import DETRACTOR, PASSIVE, PROMOTER, nps_category

GROUP, GROUP_LABEL, PREFIX = "loyalty", "Loyalty", "loyalty_"


@dataclass(frozen=True)
class Fact:
    name: str
    label: str
    kind: str              # "number", "decimal", "text", "date" or "choice" (one of `options`)
    description: str = ""
    options: tuple[tuple[str, str], ...] = ()     # a choice's (value, label) pairs, in display order


def _choices(values: Iterable[StrEnum]) -> tuple[tuple[str, str], ...]:
    return tuple((v.value, "Can't lose them" if v.value == "cant_lose_them" else v.value.replace("_", " ").capitalize())
                 for v in values)


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
    Fact("journey_stage", "Loyalty journey stage", "choice", "Prospect (no order yet), first time, repeat or loyal",
         _choices(Stage)),
    Fact("journey_state", "Loyalty journey state", "choice", "Empty for a prospect", _choices(State)),
    Fact("rfm_segment", "Loyalty RFM segment", "choice", "From the last nightly run", _choices(Segment)),
    Fact("predicted_clv", "Loyalty predicted value (365 days)", "decimal", "Predicted spend in the next 365 days, "
                                                                           "in the shop's currency"),
    Fact("p_alive", "Loyalty probability still buying", "decimal", "From 0 to 1, by the purchase model"),
    Fact("expected_next_order", "Loyalty expected next order", "date", "When the purchase model expects the next"
                                                                       " order"),
    Fact("last_nps", "Loyalty last NPS", "number", "The latest answer to the NPS survey, 0–10"),
    Fact("nps_category", "Loyalty NPS category", "choice", "Of the latest NPS answer: promoter (9–10), passive (7–8),"
                                                            " detractor (0–6)",
         ((PROMOTER, "Promoter"), (PASSIVE, "Passive"), (DETRACTOR, "Detractor"))),
    Fact("last_csat", "Loyalty last CSAT", "number", "The latest answer to a satisfaction survey, 1–5"),
    Fact("last_feedback_at", "Loyalty last feedback", "date", "When the customer last answered a survey"),
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
        **_journey_facts(member),
        **_feedback_facts(member),
    }


def _feedback_facts(member: Member) -> dict[str, str]:
    """The latest survey answers (empty until the member answers one)."""
    f = member.feedback
    nps = f.last_nps if f else None
    return {
        "last_nps": "" if nps is None else str(nps),
        "nps_category": "" if nps is None else nps_category(nps),
        "last_csat": "" if f is None or f.last_csat is None else str(f.last_csat),
        "last_feedback_at": _date(f.last_feedback_at if f else None),
    }


def _journey_facts(member: Member) -> dict[str, str]:
    """Stage and state; the RFM segment and the purchase model's predictions once a nightly run has them."""
    journey, p = member.current_journey(), member.prediction
    return {
        "journey_stage": journey.stage.value,
        "journey_state": journey.state.value if journey.state else "",
        "rfm_segment": member.rfm.segment if member.rfm else "",
        "predicted_clv": _amount(p.predicted_clv_365d if p else None),
        "p_alive": format(p.p_alive, ".4f") if p else "",
        "expected_next_order": _date(p.expected_next_order_at if p else None),
    }


def _amount(value: Decimal | None) -> str:
    return "" if value is None else format(value.quantize(Decimal("0.01")), "f")


def _date(at: datetime | None) -> str:
    """A calendar date (UTC): HubSpot date properties and Shopify `date` metafields take YYYY-MM-DD."""
    return "" if at is None else at.astimezone(UTC).date().isoformat()
