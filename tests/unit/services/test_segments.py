"""Defining a segment: stored once with its audit record, with a preview that is exact or an estimate."""
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from chalicelib.domain.errors import Conflict, InvalidRequest
from chalicelib.domain.ledger import Member
from chalicelib.domain.segment_rules import SegmentDefinition
from chalicelib.services import segments
from chalicelib.services.ports.journey import MemberPage
from chalicelib.services.ports.programs import ApiKey
from tests.fakes import InMemorySegments

NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)
KEY = ApiKey("k_1", "demo", frozenset({"write"}))
REPEAT = {"field": "orders", "op": "gte", "value": 2}


def member(n, orders):
    days = {date(2026, 1, 1 + d): Decimal(10) for d in range(orders)}
    return Member(member_id=f"m_{n:024x}", program_id="demo", email=None, first_name=None, points_balance=0,
                  pending_points=0, lifetime_points=0, tier="member", identities=(), created_at=NOW,
                  updated_at=NOW, purchase_days=days)


class Shards:
    """Members spread over 4 shards, paged in member id order."""

    shards = 4

    def __init__(self, members):
        self.members = sorted(members, key=lambda m: m.member_id)

    def page(self, program_id, shard, after, limit):
        mine = [m for i, m in enumerate(self.members) if i % self.shards == shard and m.member_id > (after or "")]
        return MemberPage(mine[:limit], mine[limit - 1].member_id if len(mine) > limit else None)


class Counts:
    def __init__(self, counts=None):
        self.counts = counts

    def latest_counts(self, program_id):
        return (NOW, self.counts) if self.counts is not None else None


def definition(name="repeaters", match=REPEAT):
    return SegmentDefinition(name, match, "two orders or more", NOW, KEY.key_id)


def test_a_small_program_is_previewed_exactly_and_the_definition_is_audited():
    store = InMemorySegments()
    found = segments.define(definition(), KEY, store, Shards([member(i, i % 3) for i in range(30)]), Counts())
    assert found == segments.Preview(members=10, sampled=30, exact=True)
    [audit] = store.audits
    assert (audit.action, audit.target, audit.key_id) == ("segment.create", "segment:repeaters", "k_1")
    assert [d.name for d in segments.definitions("demo", store)] == ["repeaters"]


def test_a_name_is_defined_once():
    store = InMemorySegments()
    segments.define(definition(), KEY, store, Shards([]), Counts())
    with pytest.raises(Conflict) as refused:
        segments.define(definition(match={"field": "orders", "op": "eq", "value": 0}), KEY, store, Shards([]),
                        Counts())
    assert refused.value.code == "segment_exists"
    assert len(store.audits) == 1


def test_a_large_program_is_sampled_and_estimated_from_the_last_runs_members(monkeypatch):
    monkeypatch.setattr(segments, "PREVIEW_READS", 40)
    shards = Shards([member(i, 2 if i % 4 == 0 else 1) for i in range(100)])    # shard 0: all repeaters
    found = segments.preview("demo", REPEAT, NOW, shards, Counts({"stage:repeat": 30, "stage:first_time": 70,
                                                                  "state:active": 100}))
    assert (found.members, found.sampled, found.exact) == (25, 40, False)
    assert found.estimated_members == round(25 / 40 * 100)
    unknown = segments.preview("demo", REPEAT, NOW, shards, Counts())
    assert (unknown.exact, unknown.estimated_members) == (False, None)


def test_a_hubspot_property_the_program_does_not_sync_is_refused_before_anything_is_read_or_stored():
    store, on_stage = InMemorySegments(), {"field": "hubspot:lifecyclestage", "op": "eq", "value": "customer"}
    with pytest.raises(InvalidRequest) as refused:
        segments.define(definition(match={"not": on_stage}), KEY, store, Shards([member(1, 0)]), Counts(),
                        ("interests",))
    assert (refused.value.code, str(refused.value)) == (
        "invalid_segment", "match.not.field: hubspot:lifecyclestage is not a HubSpot property this program syncs; "
                           "synced: interests")
    assert (store.list("demo"), store.audits) == ([], [])
    found = segments.define(definition(match={"not": on_stage}), KEY, store, Shards([member(1, 0)]), Counts(),
                            ("interests", "lifecyclestage"))
    assert found == segments.Preview(members=1, sampled=1, exact=True)
