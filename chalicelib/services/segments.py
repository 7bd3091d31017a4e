"""Merchant-defined segments: defined (audited) with a preview count, and listed.

The preview reads up to PREVIEW_READS profiles, shard by shard in order (member ids are hashes, so that is a sample
in no particular order) and counts the members the predicate matches now. It is exact when every profile was read;
otherwise it estimates the segment's size from the sample and the members the last completed nightly run counted.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain import segment_rules
from chalicelib.domain.audit import audit_record
from chalicelib.domain.errors import Conflict, InvalidRequest
from chalicelib.domain.segment_rules import SegmentDefinition
from chalicelib.services.ports.journey import JourneyStore, MemberShards
from chalicelib.services.ports.programs import ApiKey
from chalicelib.services.ports.segments import SegmentStore

PREVIEW_READS = 2000
PAGE = 100
INVALID = "invalid_segment"              # the code of a 400 about the segment's body (web/shapes/segments.py too)


@dataclass(frozen=True)
class Preview:
    members: int                         # matched among the profiles read
    sampled: int                         # live members read
    exact: bool                          # every profile of the program was read
    estimated_members: int | None = None     # not exact: members / sampled × the last run's members, if known


def define(definition: SegmentDefinition, caller: ApiKey, store: SegmentStore, shards: MemberShards,
           journey: JourneyStore, synced: Collection[str] = ()) -> Preview:
    """Store the definition (its predicate checked at the edge) with its audit record; the preview at its creation
    time. InvalidRequest `invalid_segment` when a `hubspot:` field names a property the program does not sync
    (`synced`, its HubSpot settings); Conflict `segment_exists` when the name is taken (checked before the preview
    reads, and by the write)."""
    unsynced = segment_rules.unsynced_problems(definition.match, synced)
    if unsynced:
        raise InvalidRequest("; ".join(unsynced), code=INVALID)
    if any(d.name == definition.name for d in store.list(caller.program_id)):
        raise Conflict(f"a segment named {definition.name!r} exists already", code="segment_exists")
    found = preview(caller.program_id, definition.match, definition.created_at, shards, journey)
    store.add(caller.program_id, definition, audit_record(
        caller.key_id, definition.created_at, "segment.create", f"segment:{definition.name}",
        after={"name": definition.name, "description": definition.description, "match": definition.match}))
    return found


def preview(program_id: str, match: Mapping[str, Any], now: datetime, shards: MemberShards,
            journey: JourneyStore) -> Preview:
    matched = sampled = read = 0
    shard, after = 0, None
    while shard < shards.shards and read < PREVIEW_READS:
        page = shards.page(program_id, shard, after, min(PAGE, PREVIEW_READS - read))
        read += len(page.members)
        live = [m for m in page.members if m.merged_into is None and m.erased_at is None]
        sampled += len(live)
        matched += sum(segment_rules.matches(match, m, now) for m in live)
        shard, after = (shard, page.after) if page.after else (shard + 1, None)
    if shard >= shards.shards:
        return Preview(matched, sampled, exact=True)
    latest = journey.latest_counts(program_id)
    total = sum(n for name, n in latest[1].items() if name.startswith("stage:")) if latest else None
    estimate = round(matched / sampled * total) if total is not None and sampled else None
    return Preview(matched, sampled, exact=False, estimated_members=estimate)


def definitions(program_id: str, store: SegmentStore) -> list[SegmentDefinition]:
    """The program's segments, by name."""
    return sorted(store.list(program_id), key=lambda d: d.name)
