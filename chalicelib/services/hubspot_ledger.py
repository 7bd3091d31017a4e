"""Ledger entries HubSpot events cause (workflow grants, won deals), guarded by their business keys."""
from __future__ import annotations

from datetime import datetime

from chalicelib.domain import hubspot as hs
from chalicelib.domain.errors import DuplicateEntry
from chalicelib.domain.ledger import EntryKind, LedgerEntry, MemberHints, entry_id_for
from chalicelib.domain.money import Money
from chalicelib.domain.program import INACTIVITY, ProgramRules
from chalicelib.domain.tiers import add_months
from chalicelib.services.lifecycle import expiry_notices
from chalicelib.services.orders import Outcome
from chalicelib.services.ports.clock import Clock
from chalicelib.services.ports.hubspot import IdentityLink
from chalicelib.services.ports.ledger import LedgerRepository, MemberChange
from chalicelib.services.ports.programs import RulesSource


def append_points(program_id: str, link: IdentityLink, key: str, kind: EntryKind, points: int,
                  event: hs.HubSpotEvent, ledger: LedgerRepository, rules: RulesSource, clock: Clock, reason: str,
                  base: Money | None = None, rule_version: str | None = None) -> Outcome:
    """One entry for the contact's member; a business key already recorded changes nothing."""
    now = clock.now()
    entry = LedgerEntry(entry_id=entry_id_for(key), business_key=key, kind=kind, points=points,
                        occurred_at=event.occurred_at, recorded_at=now, reason=reason, base=base,
                        presentment_base=base, rule_version=rule_version,
                        source={"platform": "hubspot", "portal_id": event.portal_id, "object_id": event.object_id,
                                "topic": event.subscription_type, "webhook_id": event.dedupe_key,
                                "event_id": event.event_id or ""})
    change = activity(rules.rules_at(program_id, now), now, link.member_id) if points > 0 else None
    try:
        ledger.append(program_id, link.primary, MemberHints(), entry, change)
    except DuplicateEntry:
        return Outcome("unchanged", "already_recorded", member_id=link.member_id)
    return Outcome("recorded", member_id=link.member_id, points=points)


def activity(rules: ProgramRules, now: datetime, member_id: str) -> MemberChange:
    """Points earned are activity: they move the inactivity expiry (commutative writes, no read profile)."""
    expires = add_months(now, rules.expiry.months) if rules.expiry.policy == INACTIVITY else None
    return MemberChange(expected_version=None, check_version=False, activity_at=now, inactivity_expiry_at=expires,
                        messages=rules.sendable(expiry_notices(member_id, expires, now)) if expires else ())
