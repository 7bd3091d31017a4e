"""What admins read of the journey: the program's fitted customer model, its built-in segments and their members."""
from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from chalicelib.domain import journey, rfm, segment_rules
from chalicelib.domain.errors import InvalidRequest, NotFound
from chalicelib.domain.ledger import Member
from chalicelib.domain.segment_rules import SegmentDefinition
from chalicelib.services.journey_map import JourneyMap
from chalicelib.services.journey_map import journey_map as build_map
from chalicelib.services.journey_run import built_in_segments
from chalicelib.services.ports.journey import JourneyStore, MemberShards, ProgramModel

READS_PER_PAGE = 1000     # profiles read to answer one page of a segment's members (a page may come back short)
SEGMENTS: tuple[tuple[str, str], ...] = (
    *(("stage", s.value) for s in journey.Stage),
    *(("state", s.value) for s in journey.State),
    *(("rfm", s.value) for s in rfm.Segment),
)
NAMES = frozenset(f"{kind}:{value}" for kind, value in SEGMENTS)


class SegmentCount(NamedTuple):
    name: str
    kind: str
    members: int


def model(program_id: str, store: JourneyStore) -> ProgramModel:
    found = store.model(program_id)
    if found is None:
        raise NotFound("no journey run has finished its fit yet: the nightly `journey` job makes one",
                       code="journey_not_run")
    return found


def segments(program_id: str, store: JourneyStore,
             custom: Sequence[SegmentDefinition] = ()) -> tuple[datetime | None, list[SegmentCount]]:
    """Every built-in segment, then the merchant's own, with their members as of the last completed run (0 before
    the first run that counted them)."""
    latest = store.latest_counts(program_id)
    as_of, counts = latest if latest else (None, {})
    return as_of, [SegmentCount(f"{kind}:{value}", kind, counts.get(f"{kind}:{value}", 0)) for kind, value in SEGMENTS
                   ] + [SegmentCount(d.name, segment_rules.KIND, counts.get(f"{segment_rules.KIND}:{d.name}", 0))
                        for d in custom]


def segment_members(program_id: str, name: str, cursor: str | None, limit: int, shards: MemberShards,
                    custom: Sequence[SegmentDefinition] = (),
                    now: datetime | None = None) -> tuple[list[str], str | None]:
    """A page of the segment's member ids as the profiles say now (a custom segment's: those its predicate matches at
    `now`), walking the member shards in order."""
    inside = _membership(name, custom, now)
    shard, after = _decode(cursor, shards.shards)
    found: list[str] = []
    read = 0
    while len(found) < limit and read < READS_PER_PAGE and shard < shards.shards:
        page = shards.page(program_id, shard, after, min(limit - len(found), 100))
        read += len(page.members)
        found += [m.member_id for m in page.members if m.merged_into is None and m.erased_at is None and inside(m)]
        shard, after = (shard, page.after) if page.after else (shard + 1, None)
    return found, _encode(shard, after) if shard < shards.shards else None


def _membership(name: str, custom: Sequence[SegmentDefinition], now: datetime | None) -> Callable[[Member], bool]:
    predicate = next((d.match for d in custom if d.name == name), None)
    if predicate is not None and now is not None:
        return lambda m: segment_rules.matches(predicate, m, now)
    if name not in NAMES:
        raise NotFound(f"no segment named {name!r}", code="segment_not_found")
    return lambda m: name in built_in_segments(m.journey or journey.start(m.created_at), m.rfm)


def _encode(shard: int, after: str | None) -> str:
    return base64.urlsafe_b64encode(json.dumps([shard, after]).encode()).decode().rstrip("=")


def _decode(cursor: str | None, shards: int) -> tuple[int, str | None]:
    if not cursor:
        return 0, None
    try:
        shard, after = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, TypeError) as e:
        raise InvalidRequest("cursor is not one this API issued", code="invalid_cursor") from e
    if not isinstance(shard, int) or isinstance(shard, bool) or not 0 <= shard < shards \
            or not (after is None or isinstance(after, str)):
        raise InvalidRequest("cursor is not one this API issued", code="invalid_cursor")
    return shard, after


MAX_PERIOD_DAYS = 366


def period(start: str | None, end: str | None, today: date) -> tuple[date, date]:
    """`from` and `to` as dates (inclusive); by default the 30 days up to today. 400 `invalid_query` otherwise."""
    try:
        last = date.fromisoformat(end) if end else today
        first = date.fromisoformat(start) if start else last - timedelta(days=29)
    except ValueError as e:
        raise InvalidRequest("from and to must be dates, YYYY-MM-DD", code="invalid_query") from e
    if first > last or (last - first).days >= MAX_PERIOD_DAYS:
        raise InvalidRequest(f"from must not follow to, and the period is at most {MAX_PERIOD_DAYS} days",
                             code="invalid_query")
    return first, last


def journey_map(program_id: str, first: date, last: date, store: JourneyStore) -> JourneyMap:
    return build_map(program_id, datetime.combine(first, time.min, UTC), datetime.combine(last, time.max, UTC), store)
