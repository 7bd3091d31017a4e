"""Ledger changes that move what the CRMs show mark the member for the sync: one coalescing item, never a Put."""
import hashlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from chalicelib import bootstrap
from chalicelib.adapters.dynamodb_members import crm_sync_mark, member_writes
from chalicelib.domain.errors import TemporarilyUnavailable
from chalicelib.domain.journey import Journey, Stage, State
from chalicelib.domain.ledger import EntryKind, LedgerEntry, MemberHints
from chalicelib.domain.messages import Message
from chalicelib.domain.tiers import TierChange
from chalicelib.services.ports.connectors import ConnectorSettings
from chalicelib.services.ports.ledger import MemberChange

NOW = datetime(2026, 11, 23, 23, 59, 30, tzinfo=UTC)
SHARD = int(hashlib.sha256(b"m_1").hexdigest()[:8], 16) % 8
KEY = {"PK": {"S": "P#demo#M#m_1"}, "SK": {"S": "DUE#crm_sync"}}


def entry(points=10, pending=0):
    return LedgerEntry(entry_id="e_1", business_key="k", kind=EntryKind.EARN, points=points, pending_points=pending,
                       occurred_at=NOW, recorded_at=NOW)


def marks(entries, change):
    writes = member_writes("t", "demo", "m_1", None, MemberHints(), entries, change, NOW)
    return [w for w in writes if w.get("Update", {}).get("Key") == KEY]


def test_the_mark_keeps_the_first_due_time_and_counts_the_changes():
    assert crm_sync_mark("t", "demo", "m_1", NOW) == {"Update": {
        "TableName": "t", "Key": KEY,
        "UpdateExpression": "SET member_id = :m, due_at = if_not_exists(due_at, :due), "
                            "DUEPK = if_not_exists(DUEPK, :pk), DUESK = if_not_exists(DUESK, :sk) ADD changes :one",
        "ExpressionAttributeValues": {
            ":m": {"S": "m_1"}, ":due": {"S": (NOW + timedelta(seconds=60)).isoformat()},
            ":pk": {"S": f"P#demo#DUE#crm_sync#2026-11-24#{SHARD}"},   # the day the mark is due, not today
            ":sk": {"S": "2026-11-24T00:00:30Z#m_1"}, ":one": {"N": "1"}}}}


def test_points_pending_points_spend_tiers_and_expiry_dates_mark_the_member_once():
    tier = TierChange("member", "silver", NOW, NOW + timedelta(days=365))
    for entries, change in [([entry()], None), ([entry(points=0, pending=5)], None),
                            ([], MemberChange(expected_version=3, spend_month="2026-11", spend_delta=Decimal(5))),
                            ([], MemberChange(expected_version=3, tier_change=tier)),
                            ([], MemberChange(expected_version=3, inactivity_expiry_at=NOW)),
                            ([entry(), entry(points=-4)], MemberChange(expected_version=3, tier_change=tier))]:
        assert len(marks(entries, change)) == 1, (entries, change)


def test_messages_activity_alone_and_zero_entries_do_not_mark():
    message = Message(message_id="msg_1", member_id="m_1", kind="welcome", due_at=NOW, data={})
    for entries, change in [([], MemberChange(expected_version=None, check_version=False, messages=(message,))),
                            ([], MemberChange(expected_version=3, activity_at=NOW)),
                            ([entry(points=0)], None)]:
        assert marks(entries, change) == [], (entries, change)


def test_a_journey_change_marks_the_member():
    journey = Journey(Stage.FIRST_TIME, NOW, State.ACTIVE, NOW)
    assert len(marks([], MemberChange(expected_version=3, journey=journey))) == 1


def test_a_program_without_a_crm_gets_no_mark():
    tier = TierChange("member", "silver", NOW, NOW + timedelta(days=365))
    change = MemberChange(expected_version=3, tier_change=tier, journey=Journey(Stage.FIRST_TIME, NOW, State.ACTIVE,
                                                                                 NOW))
    writes = member_writes("t", "demo", "m_1", None, MemberHints(), [entry()], change, NOW, crm_sync=False)
    assert [w for w in writes if w.get("Update", {}).get("Key") == KEY] == []
    assert len(writes) == len(member_writes("t", "demo", "m_1", None, MemberHints(), [entry()], change, NOW)) - 1


@pytest.mark.parametrize(("settings", "syncs"), [
    (ConnectorSettings(shop="s", hubspot_access_token="pat"), True),
    (ConnectorSettings(shop="s", shopify_access_token="shpat", shopify_admin_api_base="https://s"), True),
    (ConnectorSettings(shop="s", shopify_access_token="shpat"), False),    # no Admin API to call: no connector
    (ConnectorSettings(shop="s"), False),
])
def test_a_program_syncs_a_crm_when_it_has_a_connector(settings, syncs):
    class Directory:
        def connector_settings(self, program_id):
            return settings

    bootstrap.override("directory", Directory())
    try:
        assert bootstrap.program_syncs_crm("demo") is syncs
    finally:
        bootstrap.reset()


def test_a_program_whose_settings_cannot_be_read_is_still_marked():
    class Unreadable:
        def connector_settings(self, program_id):
            raise TemporarilyUnavailable("Secrets Manager did not answer; try again shortly")

    bootstrap.override("directory", Unreadable())
    try:
        assert bootstrap.program_syncs_crm("demo") is True
    finally:
        bootstrap.reset()
