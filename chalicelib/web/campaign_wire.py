"""Campaigns between the wire and the services: the request's definition, the checks it takes, the answers."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from chalice import Blueprint

from chalicelib import bootstrap
from chalicelib.domain import campaigns as c
from chalicelib.web.shapes import campaigns as shape
from chalicelib.web.shapes.reading import read
from chalicelib.web.wire import answer


def definition(bp: Blueprint) -> dict[str, Any]:
    from chalicelib.web.inputs import json_body
    return shape.definition_of(read(json_body(bp), shape.CampaignDefinition, "invalid_campaign"))


def checks(program_id: str) -> Any:
    """What a definition is checked against: the content and link rules, the offers, the program's segments."""
    from chalicelib.domain.campaign_content import content_problems
    from chalicelib.domain.links import allowed_hosts
    from chalicelib.domain.offers import parse_offer
    from chalicelib.services.campaigns import Checks
    from chalicelib.services.segments import definitions

    directory = bootstrap.get_directory()
    settings = directory.messaging(program_id)
    hosts = allowed_hosts(settings.storefront, settings.public_url, settings.link_domains)

    def content(subject: Any, blocks: Any, cta: Any, at: str) -> list[str]:
        return content_problems(subject, blocks, cta, at, hosts=hosts)

    return Checks(content=content, offer=parse_offer, segments=definitions(program_id, bootstrap.get_segments()),
                  synced=directory.hubspot_settings(program_id).synced_properties,
                  store_url=settings.storefront or settings.public_url, zone=settings.policy.timezone)


def campaign_shape(k: c.Campaign) -> shape.CampaignDetail:
    return shape.CampaignDetail(campaign_id=k.campaign_id, status=k.status, version=k.version,
                          created_at=_time(k.created_at), updated_at=_time(k.updated_at),
                          activated_at=_time(k.activated_at), template=k.template, **k.definition())


def campaign_body(k: c.Campaign) -> Any:
    return answer(campaign_shape(k))


def campaigns_body(found: list[c.Campaign]) -> Any:
    return answer(shape.CampaignList(campaigns=[campaign_shape(k) for k in found]))


def preview_body(found: Any) -> Any:
    sample = [shape.PreviewMember(member_id=v.member.member_id, stage=str(v.journey.stage),
                                  state=str(v.journey.state) if v.journey.state else None,
                                  rfm_segment=v.rfm.segment if v.rfm else None) for v in found.sample]
    return answer(shape.CampaignPreview(members=found.members, sample=sample, sampled=found.sampled,
                                        exact=found.exact))


def report_body(r: Any) -> Any:
    lift = r.lift
    return answer(shape.CampaignReport(
        campaign_id=r.campaign.campaign_id, as_of=r.as_of.isoformat(), goal_days=r.campaign.goal_days,
        entered=r.entered, in_goal_window=r.in_goal_window, treatment=_group(r.treatment), holdout=_group(r.holdout),
        lift=shape.LiftFigures(
            conversion_rate_difference=_rounded(lift.conversion_rate_difference),
            ci95=[round(lift.ci95[0], 6), round(lift.ci95[1], 6)] if lift.ci95 else None,
            incremental_revenue=_money(lift.incremental_revenue), offer_cost=_money(lift.offer_cost) or "0.00",
            roi=_rounded(lift.roi))))


def _group(g: Any) -> shape.GroupFigures:
    return shape.GroupFigures(members=g.members, converted=g.converted, conversion_rate=_rounded(g.conversion_rate),
                              orders=g.orders, revenue=_money(g.revenue) or "0.00",
                              revenue_per_member=_money(g.revenue / g.members) if g.members else None,
                              points_granted=g.points_granted)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(Decimal("0.01")))


def _time(value: Any) -> str | None:
    return value.isoformat() if value is not None else None

