"""Bounces and complaints: a hard bounce is about the address (every program), a complaint about one program's mail."""
from datetime import UTC, datetime

import pytest

from chalicelib.domain.feedback import (
    ALL_PROGRAMS,
    BY_ADDRESS,
    BY_SENDER,
    BY_TAG,
    COMPLAINT,
    HARD_BOUNCE,
    MailFeedback,
)
from chalicelib.domain.gates import MessagingPolicy
from chalicelib.domain.ledger import Identity
from chalicelib.services.feedback import apply_feedback
from chalicelib.services.ports.programs import MessagingSettings

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
SENDERS = {"shop-a": "rewards@shop-a.example", "shop-b": "Rewards@Shop-B.example", "shop-c": "hello@shop-c.example"}


class Directory:
    def programs(self):
        return sorted(SENDERS)

    def messaging(self, program_id):
        return MessagingSettings(program_name=program_id, sender_name=program_id, sender_email=SENDERS[program_id],
                                 postal_address="1 Street", public_url="https://loyalty.example",
                                 unsubscribe_secrets=(b"k",), policy=MessagingPolicy())


class RecordingProfiles:
    def __init__(self):
        self.suppressed = []

    def suppress(self, program_id, member_id, kind, at):
        self.suppressed.append((program_id, kind, at))


@pytest.fixture
def profiles():
    return RecordingProfiles()


@pytest.fixture(autouse=True)
def ada_everywhere(ledger):
    """The same person, Ada, is a member of every program; Bob only of shop-a."""
    for program_id in SENDERS:
        ledger.set_contact(program_id, Identity("shopify", f"{program_id}.example:1"), "ada@example.com", "Ada", NOW)
    ledger.set_contact("shop-a", Identity("shopify", "shop-a.example:2"), "bob@example.com", "Bob", NOW)


def flagged_programs(profiles):
    return sorted(program_id for program_id, _, _ in profiles.suppressed)


def test_a_complaint_tagged_for_one_program_flags_its_member_only(ledger, profiles):
    notice = MailFeedback(COMPLAINT, ("ada@example.com",), program_id="shop-a", source="rewards@shop-b.example")
    outcome = apply_feedback(notice, Directory(), ledger, profiles, NOW)
    assert profiles.suppressed == [("shop-a", COMPLAINT, NOW)]            # not shop-b, where she still gets mail
    assert (outcome.flagged, outcome.scope, outcome.programs) == (1, BY_TAG, ("shop-a",))


def test_a_hard_bounce_flags_the_address_in_every_program_whatever_the_tag(ledger, profiles):
    notice = MailFeedback(HARD_BOUNCE, ("ada@example.com",), program_id="shop-a")
    outcome = apply_feedback(notice, Directory(), ledger, profiles, NOW)
    assert flagged_programs(profiles) == ["shop-a", "shop-b", "shop-c"]
    assert {kind for _, kind, _ in profiles.suppressed} == {HARD_BOUNCE}
    assert (outcome.flagged, outcome.scope) == (3, BY_ADDRESS)


def test_an_untagged_complaint_falls_back_to_the_programs_that_send_from_its_sender_address(ledger, profiles):
    notice = MailFeedback(COMPLAINT, ("ada@example.com",), source="rewards@shop-b.example")
    outcome = apply_feedback(notice, Directory(), ledger, profiles, NOW)
    assert flagged_programs(profiles) == ["shop-b"]
    assert outcome.scope == BY_SENDER


@pytest.mark.parametrize("source", [None, "someone@else.example"])
def test_an_untagged_complaint_from_no_known_sender_flags_every_program(ledger, profiles, source):
    notice = MailFeedback(COMPLAINT, ("ada@example.com",), source=source)
    outcome = apply_feedback(notice, Directory(), ledger, profiles, NOW)
    assert flagged_programs(profiles) == ["shop-a", "shop-b", "shop-c"]
    assert outcome.scope == ALL_PROGRAMS


def test_a_tag_naming_a_program_we_do_not_have_is_treated_as_untagged(ledger, profiles):
    notice = MailFeedback(COMPLAINT, ("ada@example.com",), program_id="gone", source="hello@shop-c.example")
    assert apply_feedback(notice, Directory(), ledger, profiles, NOW).scope == BY_SENDER
    assert flagged_programs(profiles) == ["shop-c"]


def test_only_the_members_with_the_address_are_flagged_and_nothing_for_notices_needing_no_action(ledger, profiles):
    assert apply_feedback(MailFeedback(None), Directory(), ledger, profiles, NOW).flagged == 0
    notice = MailFeedback(COMPLAINT, ("bob@example.com",), program_id="shop-b")
    assert apply_feedback(notice, Directory(), ledger, profiles, NOW).flagged == 0     # Bob is not in shop-b
    assert profiles.suppressed == []
