"""A member's events are read back as they were written: tier changes and journey change sets, one item each."""
from datetime import UTC, datetime, timedelta

from chalicelib.adapters.dynamodb_member_events import event_from_item
from chalicelib.adapters.dynamodb_members import journey_event_item, member_writes
from chalicelib.domain.journey import Cause, Change
from chalicelib.domain.ledger import MemberHints
from chalicelib.domain.member_events import JourneyChanged, TierChanged
from chalicelib.domain.tiers import TierChange
from chalicelib.services.ports.ledger import MemberChange

T = datetime(2026, 11, 20, 10, 15, 2, tzinfo=UTC)
FIRST = (Change("stage", "prospect", "first_time", T, Cause.ORDER), Change("state", None, "active", T, Cause.ORDER))


def test_a_journey_change_set_is_read_back_with_its_times_and_causes():
    assert event_from_item(journey_event_item("demo", "m_1", FIRST)) == JourneyChanged(T, FIRST)


def test_change_sets_made_at_one_time_are_kept_apart_and_the_same_set_again_is_one_item():
    later = (Change("stage", "first_time", "repeat", T, Cause.ORDER),)      # an earlier order arriving late
    keys = {journey_event_item("demo", "m_1", changes)["SK"]["S"] for changes in (FIRST, later, FIRST)}
    assert len(keys) == 2
    assert all(key.startswith(f"EVT#{T.isoformat()}#journey_changed#") for key in keys)


def test_a_tier_change_is_read_back_from_the_item_the_ledger_writes():
    change = MemberChange(expected_version=1, tier_change=TierChange("member", "silver", T, T + timedelta(days=365)))
    [item] = [w["Put"]["Item"] for w in member_writes("t", "demo", "m_1", None, MemberHints(), [], change, T)
              if "Put" in w and w["Put"]["Item"]["SK"]["S"].startswith("EVT#")]
    assert event_from_item(item) == TierChanged(T, "member", "silver")


def test_a_kind_this_version_does_not_know_is_left_out():
    item = journey_event_item("demo", "m_1", FIRST) | {"kind": {"S": "segment_changed"}}
    assert event_from_item(item) is None
