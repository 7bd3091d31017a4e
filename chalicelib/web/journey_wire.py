"""The journey routes' answers, built from the services' values (shapes in web/shapes/journey.py)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from chalicelib.domain.segment_rules import SegmentDefinition
from chalicelib.services.journey_admin import SegmentCount
from chalicelib.services.journey_map import JourneyMap
from chalicelib.services.ports.crm_lists import SegmentMirror
from chalicelib.services.ports.journey import ProgramModel
from chalicelib.services.segments import Preview
from chalicelib.web.shapes import journey as shape
from chalicelib.web.shapes import segments


def model_body(model: ProgramModel) -> shape.JourneyModel:
    fitted = model.models
    return shape.JourneyModel(
        status=model.status, as_of=model.as_of.isoformat(), customers=model.customers,
        repeat_customers=model.repeat_customers, reason=model.reason,
        bg_nbd=shape.BgNbd(*fitted.purchases) if fitted else None,
        gamma_gamma=shape.GammaGamma(*fitted.spend) if fitted else None)


def segments_body(as_of: datetime | None, counts: list[SegmentCount],
                  mirrored: Mapping[str, SegmentMirror] | None = None) -> shape.Segments:
    lists = mirrored or {}
    return shape.Segments(as_of=as_of.isoformat() if as_of else None, segments=[
        shape.Segment(c.name, c.kind, c.members, hubspot_list_of(lists.get(c.name)))  # type: ignore[arg-type]
        for c in counts])


def hubspot_list_of(mirror: SegmentMirror | None) -> segments.HubSpotList | None:
    if mirror is None or not mirror.mirror:
        return None
    return segments.HubSpotList(
        list_id=mirror.list_id, members=mirror.members,
        published_at=mirror.published_at.isoformat() if mirror.published_at else None,
        as_of=mirror.published_as_of.isoformat() if mirror.published_as_of else None)


def segment_hubspot_list_body(mirror: SegmentMirror) -> segments.SegmentHubSpotList:
    return segments.SegmentHubSpotList(name=mirror.name, mirror=mirror.mirror, hubspot_list=hubspot_list_of(mirror))


def segment_members_body(members: list[str], cursor: str | None) -> shape.SegmentMembers:
    return shape.SegmentMembers(members=members, next=cursor)


def journey_map_body(found: JourneyMap, start: date, end: date) -> shape.JourneyMap:
    return shape.JourneyMap(
        as_of=found.as_of.isoformat() if found.as_of else None,
        members=[shape.JourneyCell(c.stage, c.state, c.members) for c in found.cells],  # type: ignore[arg-type]
        moves=[shape.JourneyMove(m.kind, m.old, m.new, m.members) for m in found.moves],  # type: ignore[arg-type]
        time_in_stage=[shape.StageDwell(d.stage, d.members, d.median_weeks) for d in found.dwell],  # type: ignore[arg-type]
        touchpoints=[shape.StageTouchpoints(
            stage=t.stage, window_days=t.window_days,  # type: ignore[arg-type]
            entered=shape.Reach(t.entered.members, t.entered.moved_forward),
            messages=[shape.MessageReach(kind, r.members, r.moved_forward) for kind, r in t.messages.items()],
            no_message=shape.Reach(t.no_message.members, t.no_message.moved_forward)) for t in found.touchpoints],
        period=shape.JourneyPeriod(start.isoformat(), end.isoformat(), found.runs))


def custom_segment_body(definition: SegmentDefinition, preview: Preview) -> segments.CustomSegment:
    estimate = {} if preview.exact else {"estimated_members": preview.estimated_members}
    found = segments.SegmentPreview(members=preview.members, sampled=preview.sampled, exact=preview.exact, **estimate)
    return segments.CustomSegment(name=definition.name, description=definition.description,
                                  match=dict(definition.match), created_at=definition.created_at.isoformat(),
                                  preview=found)
