"""HubSpot events → members and ledger effects: enrolment, contact properties (and the synced ones segments test),
workflow grants, won deals, erasure, and a CSAT survey when a ticket closes.

Every effect is idempotent: ledger entries on their business key, profile changes newest-first, erasure once;
a re-delivered or duplicated notification changes nothing. Values CRM users typed that make no sense are
skipped with a reason (a retry would not make them valid).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from chalicelib.domain import hubspot as hs
from chalicelib.domain.errors import DuplicateEntry
from chalicelib.domain.ledger import EntryKind
from chalicelib.domain.messages import new_message
from chalicelib.domain.money import Money
from chalicelib.domain.surveys import CSAT_SURVEY, TICKET_CLOSED
from chalicelib.services.hubspot_ledger import append_points
from chalicelib.services.hubspot_members import HubSpotContext, member_of
from chalicelib.services.merges import join_shopify_member
from chalicelib.services.orders import Outcome
from chalicelib.services.ports.clock import Clock
from chalicelib.services.ports.ledger import LedgerRepository, MemberChange
from chalicelib.services.ports.profiles import Profiles
from chalicelib.services.ports.programs import RulesSource

GRANT_REASON = "HubSpot workflow"
DEAL_REASON = "HubSpot deal won"


def apply_hubspot_delivery(event: hs.HubSpotEvent, envelope: Mapping[str, Any],
                           context: Callable[[str], HubSpotContext] | None, ledger: LedgerRepository,
                           profiles: Profiles, rules: RulesSource, clock: Clock) -> Outcome:
    """One queued notification, read (`event`); `context` gives the program's HubSpot context (None: HubSpot is not
    wired)."""
    handler = _HANDLERS.get(event.subscription_type)
    if handler is None or context is None:
        return Outcome("ignored", "subscription_not_handled" if context else "hubspot_not_configured")
    program_id = envelope["program_id"]
    return handler(event, program_id, context(program_id), ledger, profiles, rules, clock)


def enrol_contact(event: hs.HubSpotEvent, program_id: str, hubspot: HubSpotContext, ledger: LedgerRepository,
                  profiles: Profiles, rules: RulesSource, clock: Clock) -> Outcome:
    """contact.creation carries no email: read it, then attach to the member with that email or enrol anew."""
    if hubspot.contacts is None:
        return Outcome("skipped", "no_access_token: contact.creation carries no email")
    synced = hubspot.settings.synced_properties
    found = hubspot.contacts.contact(event.object_id, ["email", "firstname", *synced])
    if not found or not found.get("email"):
        return Outcome("skipped", "contact_without_email" if found else "contact_not_found")
    email = str(found["email"])
    link, linked_now = member_of(program_id, event.portal_id, event.object_id, hubspot, ledger, email=email)
    values = {n: v for n in synced if (v := _kept(found.get(n))) is not None and _synced_problem(v) is None}
    kept = bool(values) and profiles.set_hubspot_properties(program_id, link.primary, values, event.occurred_at)
    identity = hs.contact_identity(event.portal_id, event.object_id)
    if link.primary != identity:
        return Outcome("recorded" if linked_now or kept else "unchanged", "attached", member_id=link.member_id)
    applied = profiles.set_contact(program_id, identity, email, found.get("firstname"), event.occurred_at) or kept
    joined = join_shopify_member(program_id, link.member_id, email, ledger, rules.rules_at(program_id, clock.now()),
                                 clock) if linked_now else None        # a Shopify customer enrolled meanwhile
    if joined is not None:
        return Outcome("recorded", "merged", member_id=joined)
    return Outcome("recorded" if applied or linked_now else "unchanged", "enrolled", member_id=link.member_id)


def apply_contact_property(event: hs.HubSpotEvent, program_id: str, hubspot: HubSpotContext,
                           ledger: LedgerRepository, profiles: Profiles, rules: RulesSource, clock: Clock) -> Outcome:
    name, value, settings = event.property_name, event.property_value or "", hubspot.settings
    if name == "email":
        return _email_changed(event, program_id, hubspot, ledger, profiles, value.strip(), rules, clock)
    if name == "hs_email_optout":
        out = hs.opted_out(value)
        if out is None:
            return Outcome("skipped", "invalid_optout_value")
        link, _ = member_of(program_id, event.portal_id, event.object_id, hubspot, ledger, fetch=True)
        applied = profiles.set_consent(program_id, link.primary, "unsubscribed" if out else "subscribed",
                                       event.occurred_at)
        return _profile_outcome(applied, link.member_id)
    kept = _keep_synced(event, program_id, hubspot, ledger, profiles) if name in settings.synced_properties else None
    if name == settings.birthday_property:
        return _both(_birthday(event, program_id, hubspot, ledger, profiles, value, clock), kept)
    if kept is not None:
        return kept
    if name == settings.grant_points_property:
        return _grant(event, program_id, hubspot, ledger, rules, clock)
    return Outcome("ignored", "property_not_handled")


def _birthday(event: hs.HubSpotEvent, program_id: str, hubspot: HubSpotContext, ledger: LedgerRepository,
              profiles: Profiles, value: str, clock: Clock) -> Outcome:
    born = hs.birthday(value, clock.now().date()) if value.strip() else None
    if value.strip() and born is None:
        return Outcome("skipped", "invalid_birthday")
    link, _ = member_of(program_id, event.portal_id, event.object_id, hubspot, ledger, fetch=True)
    return _profile_outcome(profiles.set_birthday(program_id, link.primary, born, event.occurred_at), link.member_id)


def _kept(value: str | None) -> str | None:
    """A synced property's value as kept: None when empty (cleared), else exactly as HubSpot sent it."""
    return value if value and value.strip() else None


def _synced_problem(value: str) -> str | None:
    """Why a synced property's (non-empty) value is not kept, if it is not."""
    if value == hs.REDACTED:
        return "sensitive_property: HubSpot sends REDACTED for it"
    return f"synced_value_too_long: at most {hs.MAX_SYNCED_VALUE:,} characters" \
        if len(value) > hs.MAX_SYNCED_VALUE else None


def _keep_synced(event: hs.HubSpotEvent, program_id: str, hubspot: HubSpotContext, ledger: LedgerRepository,
                 profiles: Profiles) -> Outcome:
    """A synced property changed: its value kept on the member (an empty one as cleared), newest first. Values are
    never logged nor put in reasons."""
    value = _kept(event.property_value)
    problem = _synced_problem(value) if value is not None else None
    if problem is not None:
        return Outcome("skipped", problem)
    link, _ = member_of(program_id, event.portal_id, event.object_id, hubspot, ledger, fetch=True)
    applied = profiles.set_hubspot_properties(program_id, link.primary, {event.property_name or "": value},
                                              event.occurred_at)
    return _profile_outcome(applied, link.member_id)


def _both(first: Outcome, second: Outcome | None) -> Outcome:
    """Two effects of one notification (the birthday property synced too): recorded when either was, with the
    other's reason; else the one skipped, if any."""
    if second is None:
        return first
    if "recorded" in (first.status, second.status):
        other = second if first.status == "recorded" else first
        return Outcome("recorded", other.reason if other.status == "skipped" else None,
                       member_id=first.member_id or second.member_id)
    return first if first.status == "skipped" else second


def _email_changed(event: hs.HubSpotEvent, program_id: str, hubspot: HubSpotContext, ledger: LedgerRepository,
                   profiles: Profiles, email: str, rules: RulesSource, clock: Clock) -> Outcome:
    """A new email; a contact with a member of its own whose new email is a Shopify customer's joins that member."""
    if "@" not in email or len(email) > 254:
        return Outcome("skipped", "invalid_email")
    link, _ = member_of(program_id, event.portal_id, event.object_id, hubspot, ledger, email=email)
    applied = profiles.set_contact(program_id, link.primary, email, None, event.occurred_at)
    if applied and link.primary == hs.contact_identity(event.portal_id, event.object_id):
        joined = join_shopify_member(program_id, link.member_id, email, ledger,
                                     rules.rules_at(program_id, clock.now()), clock)
        if joined is not None:
            return Outcome("recorded", "merged", member_id=joined)
    return _profile_outcome(applied, link.member_id)


def _grant(event: hs.HubSpotEvent, program_id: str, hubspot: HubSpotContext, ledger: LedgerRepository,
           rules: RulesSource, clock: Clock) -> Outcome:
    """A workflow set the grant property: a bonus, once per notification (its composite key)."""
    points = hs.grant_points(event.property_value)
    if points is None:
        return Outcome("skipped", f"invalid_grant: a non-zero integer within ±{hs.MAX_GRANT} is required")
    link, _ = member_of(program_id, event.portal_id, event.object_id, hubspot, ledger, fetch=True)
    key = (f"hubspot:{event.portal_id}:contact:{event.object_id}:grant:"
           f"{event.dedupe_key.removeprefix('hubspot:')}")
    return append_points(program_id, link, key, EntryKind.BONUS, points, event, ledger, rules, clock, GRANT_REASON)


def apply_deal_stage(event: hs.HubSpotEvent, program_id: str, hubspot: HubSpotContext, ledger: LedgerRepository,
                     profiles: Profiles, rules: RulesSource, clock: Clock) -> Outcome:
    """A deal reached the won stage: points on its amount, once per deal, to its first associated contact."""
    if event.property_name != "dealstage" or event.property_value != hubspot.settings.won_stage:
        return Outcome("ignored", "not_a_won_deal")
    if hubspot.contacts is None:
        return Outcome("skipped", "no_access_token: the deal's amount and contacts cannot be read")
    deal = hubspot.contacts.deal(event.object_id)
    if deal is None or deal.amount is None or deal.amount <= 0 or not deal.contact_ids:
        return Outcome("skipped", "deal_not_found" if deal is None else
                       "deal_without_contact" if deal.amount and deal.amount > 0 else "deal_without_amount")
    currency = (deal.currency or hubspot.settings.currency).upper()
    if currency != hubspot.settings.currency.upper():
        return Outcome("skipped", "deal_in_another_currency")
    link, _ = member_of(program_id, event.portal_id, deal.contact_ids[0], hubspot, ledger, fetch=True)
    awarding = rules.rules_at(program_id, event.occurred_at)
    member = ledger.get_member(program_id, link.member_id)
    base = Money(deal.amount, currency)
    multiplier = awarding.multiplier(event.occurred_at, member.tier if member else awarding.tiers[0].name)
    boost = member.boost_at(event.occurred_at) if member else 1        # an offer's boost, read with the member
    points = awarding.earning.points_for(base, multiplier * boost)
    if points <= 0:
        return Outcome("skipped", "no_points_for_amount", member_id=link.member_id)
    key = f"hubspot:{event.portal_id}:deal:{event.object_id}"
    return append_points(program_id, link, key, EntryKind.EARN, points, event, ledger, rules, clock, DEAL_REASON,
                         base=base, rule_version=awarding.version)


def ask_csat_on_ticket_closed(event: hs.HubSpotEvent, program_id: str, hubspot: HubSpotContext,
                              ledger: LedgerRepository, profiles: Profiles, rules: RulesSource,
                              clock: Clock) -> Outcome:
    """A ticket reached one of the program's closed stages: a CSAT survey for its first associated contact's member,
    due at once, once per ticket (closing it again, or a redelivery, asks nothing more). The dispatcher's gates
    (consent, the survey throttle, the cap) decide whether it is sent."""
    if event.property_name != hs.TICKET_STAGE or event.property_value not in hubspot.settings.ticket_closed_stages:
        return Outcome("ignored", "not_a_closed_ticket")
    if not rules.rules_at(program_id, event.occurred_at).surveys.csat_on_ticket_closed:
        return Outcome("ignored", "csat_on_ticket_closed_off")
    if hubspot.contacts is None:
        return Outcome("skipped", "no_access_token: the ticket's contacts cannot be read")
    ticket = hubspot.contacts.ticket(event.object_id)
    if ticket is None or not ticket.contact_ids:
        return Outcome("skipped", "ticket_not_found" if ticket is None else "ticket_without_contact")
    link, _ = member_of(program_id, event.portal_id, ticket.contact_ids[0], hubspot, ledger, fetch=True)
    member = ledger.get_member(program_id, link.member_id)
    if member is None or member.erased_at is not None:
        return Outcome("skipped", "contact_without_member" if member is None else "member_erased",
                       member_id=link.member_id)
    survey = new_message(f"{CSAT_SURVEY}:{program_id}:ticket:{event.object_id}", link.member_id, CSAT_SURVEY,
                         event.occurred_at, {"trigger": TICKET_CLOSED, "ticket_id": event.object_id,
                                             "about": "your support request"})
    try:
        ledger.commit_member(program_id, link.member_id, [], MemberChange(expected_version=None, check_version=False,
                                                                          messages=(survey,)), clock.now())
    except DuplicateEntry:
        return Outcome("unchanged", "survey_already_scheduled", member_id=link.member_id)
    return Outcome("recorded", "csat_survey_scheduled", member_id=link.member_id)


def erase_contact(event: hs.HubSpotEvent, program_id: str, hubspot: HubSpotContext, ledger: LedgerRepository,
                  profiles: Profiles, rules: RulesSource, clock: Clock) -> Outcome:
    """contact.deletion and contact.privacyDeletion, in any order, any number of times: erased once."""
    link, _ = member_of(program_id, event.portal_id, event.object_id, hubspot, ledger)
    applied = profiles.erase(program_id, link.primary, clock.now())
    return Outcome("recorded" if applied else "unchanged", event.subscription_type, member_id=link.member_id)


def _profile_outcome(applied: bool, member_id: str) -> Outcome:
    return Outcome("recorded" if applied else "unchanged", None if applied else "stale_or_erased",
                   member_id=member_id)


Handler = Callable[[hs.HubSpotEvent, str, HubSpotContext, LedgerRepository, Profiles, RulesSource, Clock], Outcome]
_HANDLERS: dict[str, Handler] = {
    hs.CONTACT_CREATION: enrol_contact,
    hs.CONTACT_PROPERTY_CHANGE: apply_contact_property,
    hs.CONTACT_DELETION: erase_contact,
    hs.CONTACT_PRIVACY_DELETION: erase_contact,
    hs.DEAL_PROPERTY_CHANGE: apply_deal_stage,
    hs.TICKET_PROPERTY_CHANGE: ask_csat_on_ticket_closed,
}
