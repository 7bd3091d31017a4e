"""What POST /admin/segments takes and answers: a merchant-defined segment (domain/segment_rules.py); and what
PUT /admin/segments/{name}/hubspot-list takes and answers: whether a segment is mirrored as a HubSpot static list.

A body is checked field by field against `NewSegment`, then its predicate across fields (which ops and values each
field takes, the depth and size bounds: the domain's `predicate_problems`), so one 400 names every problem.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.segment_rules import NAME, NAME_WANTED, PREDICATE, SegmentDefinition, predicate_problems
from chalicelib.web.shapes.reading import problems, read
from chalicelib.web.shapes.requests import whole
from chalicelib.web.shapes.responses import Time

CODE = "invalid_segment"
SegmentName = Annotated[str, Meta(pattern=whole(NAME.pattern), description=NAME_WANTED)]
Description = Annotated[str, Meta(max_length=500, description="a string of at most 500 characters")]
Match = Annotated[dict[str, Any], Meta(description=f"a predicate: {PREDICATE}")]


class NewSegment(Struct, forbid_unknown_fields=True, kw_only=True):
    """A segment of the merchant's own: members matching the predicate."""

    name: SegmentName
    description: Description | None = None
    match: Match

    def definition(self, created_at: datetime, created_by: str) -> SegmentDefinition:
        return SegmentDefinition(self.name, self.match, self.description, created_at, created_by)


class SegmentPreview(Struct, kw_only=True):
    members: Annotated[int, Meta(description="members matched among those read")]
    sampled: Annotated[int, Meta(description="members read (at most 2,000 profiles)")]
    exact: Annotated[bool, Meta(description="every member of the program was read")]
    estimated_members: Annotated[int | None, Meta(description=(
        "only when not exact: members ÷ sampled × the members of the last nightly run; null before a run"))] | \
        UnsetType = UNSET


class CustomSegment(Struct, kw_only=True):
    name: str
    kind: Literal["custom"] = "custom"
    description: str | None
    match: dict[str, Any]
    created_at: Time
    preview: SegmentPreview


class HubSpotListChoice(Struct, forbid_unknown_fields=True, kw_only=True):
    """Whether the segment is mirrored as a HubSpot static list (from the next nightly run on)."""

    mirror: Annotated[bool, Meta(description="true or false")]


class HubSpotList(Struct, kw_only=True):
    """A mirrored segment's HubSpot list ("Loyalty: <segment>", MANUAL), updated after each nightly run."""

    list_id: Annotated[str | None, Meta(description="HubSpot's listId; null until the first publish made the list")]
    members: Annotated[int | None, Meta(description=(
        "contacts the last publish left in the list (members linked to a HubSpot contact); null before it"))]
    published_at: Annotated[Time | None, Meta(description="when the last publish happened; null before it")]
    as_of: Annotated[Time | None, Meta(description="the nightly run whose members the list holds; null before it")]


class SegmentHubSpotList(Struct, kw_only=True):
    name: str
    mirror: bool
    hubspot_list: Annotated[HubSpotList | None, Meta(description="null when the segment is not mirrored")]


def read_hubspot_list_choice(body: Any) -> HubSpotListChoice:
    """`{"mirror": true|false}`, or one 400 `invalid_hubspot_list` listing every problem."""
    return read(body, HubSpotListChoice, "invalid_hubspot_list")


def read_segment(body: Any) -> NewSegment:
    """The segment a body defines, or one 400 `invalid_segment` listing every problem."""
    if not isinstance(body, Mapping):
        raise InvalidRequest("send the segment as a JSON object", code="invalid_body")
    found = problems(dict(body), NewSegment)
    if "match" in body and not any(p.startswith("match:") for p in found):
        found += predicate_problems(body["match"])
    if found:
        raise InvalidRequest("; ".join(found), code=CODE)
    return msgspec.convert(body, NewSegment)
