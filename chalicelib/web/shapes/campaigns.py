"""What the campaign endpoints take and answer (domain/campaigns.py says what each field means).

A definition is read here as JSON objects of the right kinds; the domain then checks it field by field
(`parse_definition`), so one 400 `invalid_campaign` names every problem with its path.
"""
from __future__ import annotations

from typing import Annotated, Any

from msgspec import UNSET, Meta, Struct, UnsetType

from chalicelib.domain import campaigns as c
from chalicelib.web.shapes.responses import Time

Steps = Annotated[list[dict[str, Any]], Meta(max_length=c.MAX_STEPS, description=(
    "steps run in order, each {id, type, ...}: wait {days, hours}; wait_until {event: click|order, timeout_days, "
    "on_timeout}; split {match, then, else}; send {subject, preheader, blocks: [{markdown}|{html}], cta: {label, "
    "url}}; grant {offer}; exit"))]


class CampaignDefinition(Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    """A campaign, or {"template": name} with any fields that replace the built-in journey's."""

    template: Annotated[str, Meta(description="a built-in journey: prospect_content, welcome, win_back, "
                                              "win_back_lapsed, birthday, anniversary, vip_perks")] | UnsetType = UNSET
    name: Annotated[str, Meta(max_length=c.NAME_LENGTH)] | UnsetType = UNSET
    description: Annotated[str, Meta(max_length=500)] | UnsetType = UNSET
    audience: Annotated[dict[str, Any], Meta(description=(
        '{} (every member), {"segment": "state:at_risk" | "stage:prospect" | "rfm:champions" | a custom segment} or '
        '{"match": a segment predicate}'))] | UnsetType = UNSET
    trigger: Annotated[dict[str, Any], Meta(description='{"type": audience | first_order | birthday | '
                                                        'anniversary}')] | UnsetType = UNSET
    steps: Steps | UnsetType = UNSET
    goal: Annotated[dict[str, Any], Meta(description='{"order_within_days": 1..365}, default 14')] | UnsetType = UNSET
    holdout_percent: Annotated[int, Meta(ge=0, le=50, description="default 10")] | UnsetType = UNSET
    reentry: Annotated[dict[str, Any], Meta(description='{"never": true} (default) or {"after_days": n}')] | \
        UnsetType = UNSET
    stop_on_order: bool | UnsetType = UNSET


class CampaignDetail(Struct, kw_only=True):
    campaign_id: str
    status: Annotated[str, Meta(description="draft, active or paused")]
    version: int
    created_at: Time | None
    updated_at: Time | None
    activated_at: Time | None
    template: str | None
    name: str
    description: str
    audience: dict[str, Any]
    trigger: dict[str, Any]
    steps: list[dict[str, Any]]
    goal: dict[str, Any]
    holdout_percent: int
    reentry: dict[str, Any]
    stop_on_order: bool


class CampaignList(Struct, kw_only=True):
    campaigns: list[CampaignDetail]


class PreviewMember(Struct, kw_only=True):
    member_id: str
    stage: str
    state: str | None
    rfm_segment: str | None


class CampaignPreview(Struct, kw_only=True):
    members: Annotated[int, Meta(description="members who would enter at a nightly run now, among those read")]
    sample: list[PreviewMember]
    sampled: Annotated[int, Meta(description="live members read (at most 2,000 profiles)")]
    exact: Annotated[bool, Meta(description="every member of the program was read")]


Money = Annotated[str, Meta(description="a decimal string in the shop's currency")]


class GroupFigures(Struct, kw_only=True):
    members: int
    converted: Annotated[int, Meta(description="members with an order within the goal's days of entering")]
    conversion_rate: float | None
    orders: Annotated[int, Meta(description="their purchase days in the goal window")]
    revenue: Money
    revenue_per_member: Money | None
    points_granted: int


class LiftFigures(Struct, kw_only=True):
    conversion_rate_difference: float | None
    ci95: Annotated[list[float] | None, Meta(description="95 % interval of the difference (Newcombe's hybrid score)")]
    incremental_revenue: Money | None
    offer_cost: Money
    roi: Annotated[float | None, Meta(description="(incremental revenue − offer cost) ÷ offer cost")]


class CampaignReport(Struct, kw_only=True):
    campaign_id: str
    as_of: Time
    goal_days: int
    entered: int
    in_goal_window: Annotated[int, Meta(description="entrants whose goal window is still open")]
    treatment: GroupFigures
    holdout: GroupFigures
    lift: LiftFigures


def definition_of(body: CampaignDefinition) -> dict[str, Any]:
    """The definition as the domain reads it (fields left out keep their defaults)."""
    return {name: getattr(body, name) for name in body.__struct_fields__ if getattr(body, name) is not UNSET}
