"""A HubSpot ticket reaching a closed stage asks its contact's member for a CSAT, once per ticket
(services/hubspot_events.py, ticket.propertyChange on hs_pipeline_stage)."""
from dataclasses import replace

import pytest

from chalicelib.domain.hubspot import contact_identity
from chalicelib.domain.ledger import EntryKind, LedgerEntry, MemberHints, entry_id_for, member_id_for
from chalicelib.domain.program import ProgramRules
from chalicelib.domain.surveys import SurveyRules
from chalicelib.services.ports.hubspot import HubSpotTicket
from tests.hubspot_factories import OCCURRED, PORTAL, prop
from tests.unit.services.test_hubspot_events import CLOCK, SHOPIFY_ADA, World

TICKET = 9001


def closed(stage: str = "4", ticket: int = TICKET, event_id: int = 31, **extra):
    return prop(ticket, "hs_pipeline_stage", stage, event_id=event_id, kind="ticket.propertyChange", **extra)


def shop_member(world: World) -> str:
    entry = LedgerEntry(entry_id=entry_id_for("o1"), business_key="shopify:o1", kind=EntryKind.EARN, points=150,
                        occurred_at=CLOCK.now(), recorded_at=CLOCK.now())
    return world.ledger.append("demo", SHOPIFY_ADA, MemberHints(email="ada@example.com", first_name="Ada"), entry)


@pytest.fixture
def world():
    w = World()
    w.api.tickets[str(TICKET)] = HubSpotTicket("4", ("1", "2"))
    return w


def csat_messages(world: World):
    return [m for m in world.ledger.messages.values() if m.kind == "csat_survey"]


def test_a_closed_ticket_schedules_one_csat_for_its_first_contacts_member(world):
    member_id = shop_member(world)           # contact 1 has Ada's email: it joins her member

    outcome = world.deliver(closed())

    assert (outcome.status, outcome.reason, outcome.member_id) == ("recorded", "csat_survey_scheduled", member_id)
    (message,) = csat_messages(world)
    assert (message.member_id, message.due_at.timestamp() * 1000) == (member_id, OCCURRED)
    assert message.data == {"trigger": "ticket_closed", "ticket_id": str(TICKET), "about": "your support request"}
    assert ("ticket", str(TICKET)) in world.api.calls


def test_a_redelivered_or_reclosed_ticket_asks_once(world):
    shop_member(world)
    world.deliver(closed())

    again = world.deliver(closed())
    reclosed = world.deliver(closed(event_id=32, occurred_at=OCCURRED + 3_600_000))

    assert (again.status, reclosed.status, reclosed.reason) == ("unchanged", "unchanged", "survey_already_scheduled")
    assert len(csat_messages(world)) == 1


@pytest.mark.parametrize("stage", ["1", "2", "3", ""])
def test_other_stages_are_ignored_without_reading_hubspot(world, stage):
    outcome = world.deliver(closed(stage))
    assert (outcome.status, outcome.reason) == ("ignored", "not_a_closed_ticket")
    assert world.api.calls == []


def test_the_programs_closed_stages_replace_the_default(world):
    shop_member(world)
    world.settings = replace(world.settings, ticket_closed_stages=("998877",))

    assert world.deliver(closed("4")).reason == "not_a_closed_ticket"
    assert world.deliver(closed("998877", event_id=33)).reason == "csat_survey_scheduled"


def test_a_program_that_does_not_ask_after_tickets_schedules_nothing():
    world = World(ProgramRules(surveys=SurveyRules(csat_on_ticket_closed=False)))
    outcome = world.deliver(closed())
    assert (outcome.status, outcome.reason) == ("ignored", "csat_on_ticket_closed_off")


@pytest.mark.parametrize(("ticket", "reason"), [(None, "ticket_not_found"),
                                                (HubSpotTicket("4", ()), "ticket_without_contact")])
def test_a_ticket_that_cannot_be_read_or_has_no_contact_is_skipped(world, ticket, reason):
    world.api.tickets = {str(TICKET): ticket} if ticket else {}
    outcome = world.deliver(closed())
    assert (outcome.status, outcome.reason) == ("skipped", reason)


def test_without_an_access_token_the_contacts_cannot_be_read(world):
    world.settings = replace(world.settings, access_token="")
    outcome = world.deliver(closed())
    assert (outcome.status, outcome.reason) == ("skipped", "no_access_token: the ticket's contacts cannot be read")


def test_a_contact_that_is_no_member_is_skipped(world):
    world.api.tickets[str(TICKET)] = HubSpotTicket("4", ("2",))       # contact 2 has no email: no member
    outcome = world.deliver(closed())
    assert (outcome.status, outcome.reason) == ("skipped", "contact_without_member")
    assert outcome.member_id == member_id_for("demo", contact_identity(str(PORTAL), "2"))
    assert csat_messages(world) == []
