"""Which member a HubSpot contact is: the member already known by the contact's email, or a new one.

A contact resolves through its identity link once one exists. Otherwise a contact whose email matches a live
member attaches to that member; any other contact becomes a member of its own, derived from its HubSpot
identity. Either way the link is written first (the first link wins), so every later event agrees.
"""
from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.hubspot import contact_identity
from chalicelib.domain.ledger import member_id_for, primary_identity
from chalicelib.services.ports.hubspot import HubSpotContacts, IdentityLink, IdentityLinks
from chalicelib.services.ports.ledger import LedgerRepository
from chalicelib.services.ports.programs import HubSpotSettings


@dataclass(frozen=True)
class HubSpotContext:
    """What HubSpot events need besides the ledger: the program's settings, the links, the outbound client."""

    settings: HubSpotSettings
    identities: IdentityLinks
    contacts: HubSpotContacts | None      # None: the program has no access token (outbound off)


def contact_email(hubspot: HubSpotContext, contact_id: str) -> str | None:
    """The contact's email through the API (None when outbound is off or the contact has none)."""
    if hubspot.contacts is None:
        return None
    found = hubspot.contacts.contact(contact_id, ["email"])
    return (found or {}).get("email") or None


def member_of(program_id: str, portal_id: str, contact_id: str, hubspot: HubSpotContext, ledger: LedgerRepository,
              email: str | None = None, fetch: bool = False) -> tuple[IdentityLink, bool]:
    """The contact's member, linking it now if needed (fetching its email when asked); True when linked now."""
    identity = contact_identity(portal_id, contact_id)
    known = hubspot.identities.resolve(program_id, identity)
    if known is not None:
        return known, False
    email = email or (contact_email(hubspot, contact_id) if fetch else None)
    existing = _member_by_email(program_id, email, ledger) if email else None
    if existing is not None:
        linked = hubspot.identities.link(program_id, identity, existing)
        if linked is not None:
            return linked, True
    own = IdentityLink(member_id_for(program_id, identity), identity)
    return hubspot.identities.link(program_id, identity, own) or own, True


def _member_by_email(program_id: str, email: str, ledger: LedgerRepository) -> IdentityLink | None:
    """The oldest live member with this email, with the identity its id derives from."""
    live = sorted((m for m in ledger.find_by_email(program_id, email) if not m.erased_at),
                  key=lambda m: (m.created_at, m.member_id))
    for member in live:
        primary = primary_identity(program_id, member)
        if primary is not None:
            return IdentityLink(member.member_id, primary)
    return None
