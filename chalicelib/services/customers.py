"""Customer events: enrolment with a one-time signup bonus, contact changes, consent, erasure."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from chalicelib.domain.customers import ConsentChanged, CustomerChanged, CustomerErased, DataRequested
from chalicelib.domain.errors import DuplicateEntry
from chalicelib.domain.ledger import EntryKind, LedgerEntry, MemberHints, entry_id_for, member_id_for
from chalicelib.domain.messages import new_message
from chalicelib.domain.program import INACTIVITY, ProgramRules
from chalicelib.domain.tiers import add_months
from chalicelib.services.lifecycle import expiry_notices
from chalicelib.services.merges import absorb_by_email
from chalicelib.services.orders import Outcome, shopify_identity
from chalicelib.services.ports.clock import Clock
from chalicelib.services.ports.ledger import LedgerRepository, MemberChange
from chalicelib.services.ports.profiles import DataRequest, DataRequests, Profiles


def apply_customer_change(event: CustomerChanged, program_id: str, rules: ProgramRules, ledger: LedgerRepository,
                          profiles: Profiles, clock: Clock) -> Outcome:
    identity = shopify_identity(event.shop, event.customer_id)
    member_id = member_id_for(program_id, identity)
    applied = profiles.set_contact(program_id, identity, event.email, event.first_name, event.as_of)
    if applied and event.email:       # the same person may be known already (a HubSpot contact, say)
        absorb_by_email(program_id, member_id, identity, event.email, ledger, rules, clock)
    welcome = new_message(f"welcome:{member_id}", member_id, "welcome", clock.now(),
                          {"balance": rules.signup_bonus, "signup_bonus": rules.signup_bonus})
    if event.created and rules.signup_bonus <= 0:
        only_welcome = MemberChange(expected_version=None, check_version=False, messages=(welcome,))
        try:
            ledger.commit_member(program_id, member_id, [], only_welcome, clock.now())
        except DuplicateEntry:          # the welcome exists: this enrolment was handled before
            return Outcome("unchanged", "already_enrolled", member_id=member_id)
    if not (event.created and rules.signup_bonus > 0):
        return Outcome("recorded" if applied else "unchanged", None if applied else "stale", member_id=member_id)
    key = f"shopify:{event.shop}:customer:{event.customer_id}:signup"
    bonus = LedgerEntry(entry_id=entry_id_for(key), business_key=key, kind=EntryKind.BONUS,
                        points=rules.signup_bonus, occurred_at=event.as_of, recorded_at=clock.now(),
                        rule_version=rules.version,          # the version in force when the customer was created
                        reason="signup bonus", source={"platform": "shopify", "shop": event.shop,
                                                       "topic": event.delivery.topic,
                                                       "webhook_id": event.delivery.webhook_id})
    try:
        activity = _activity(rules, clock.now(), member_id)
        ledger.append(program_id, identity, MemberHints(), bonus,
                      replace(activity, messages=(welcome, *activity.messages)))
    except DuplicateEntry:
        return Outcome("unchanged", "bonus_already_given", member_id=member_id)
    return Outcome("recorded", member_id=member_id, points=bonus.points)


def _activity(rules: ProgramRules, now: datetime, member_id: str) -> MemberChange:
    """A bonus is activity: it moves the inactivity expiry like an order does (no read profile to guard)."""
    expires = add_months(now, rules.expiry.months) if rules.expiry.policy == INACTIVITY else None
    return MemberChange(expected_version=None, check_version=False, activity_at=now, inactivity_expiry_at=expires,
                        messages=rules.sendable(expiry_notices(member_id, expires, now)) if expires else ())


def apply_consent(event: ConsentChanged, program_id: str, profiles: Profiles) -> Outcome:
    identity = shopify_identity(event.shop, event.customer_id)
    applied = profiles.set_consent(program_id, identity, event.state, event.as_of)
    return Outcome("recorded" if applied else "unchanged", None if applied else "stale",
                   member_id=member_id_for(program_id, identity))


def apply_erasure(event: CustomerErased, program_id: str, profiles: Profiles, clock: Clock) -> Outcome:
    """Personal data goes; the member id, balances and ledger (which hold none) stay, pseudonymous."""
    identity = shopify_identity(event.shop, event.customer_id)
    applied = profiles.erase(program_id, identity, clock.now())
    return Outcome("recorded" if applied else "unchanged", event.reason, member_id=member_id_for(program_id, identity))


def record_data_request(event: DataRequested, program_id: str, requests: DataRequests, clock: Clock) -> Outcome:
    """Keep the request for the merchant; the admin API assembles the member's data when asked."""
    member_id = member_id_for(program_id, shopify_identity(event.shop, event.customer_id))
    recorded = requests.record(program_id, DataRequest(event.request_id, member_id, event.shop, event.customer_id,
                                                       event.orders_requested, clock.now()))
    return Outcome("recorded" if recorded else "unchanged", "data_request", member_id=member_id)
