"""HubSpot webhook events as the ledger sees them, and the checks on the values CRM users type in."""
from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime

from chalicelib.domain.ledger import Identity

CONTACT_CREATION = "contact.creation"
CONTACT_PROPERTY_CHANGE = "contact.propertyChange"
CONTACT_DELETION = "contact.deletion"
CONTACT_PRIVACY_DELETION = "contact.privacyDeletion"
DEAL_PROPERTY_CHANGE = "deal.propertyChange"
TICKET_PROPERTY_CHANGE = "ticket.propertyChange"
TICKET_STAGE = "hs_pipeline_stage"      # a ticket's stage (status) in its pipeline: the property to subscribe to
MAX_GRANT = 100_000
MAX_SYNCED_PROPERTIES = 20               # hubspot_synced_properties: contact properties kept on the member
MAX_SYNCED_VALUE = 1000                  # characters of one synced property's value; longer ones are skipped
SYNCED_NAME = re.compile(r"[a-z0-9_]{1,100}")     # a contact property's internal name
SYNCED_NAME_WANTED = "a HubSpot contact property's internal name: 1 to 100 of a-z, 0-9 and _"
REDACTED = "REDACTED"                    # what webhooks carry for sensitive-data properties (platforms.md B2)
OLDEST_BIRTH_YEAR = 1900
_INTEGER = re.compile(r"[+-]?[0-9]{1,7}")
_MS_PER_DAY = 86_400_000


@dataclass(frozen=True)
class HubSpotEvent:
    """One notification of a batch. `dedupe_key` is the composite key the intake computed (never eventId alone)."""

    portal_id: str
    subscription_type: str
    object_id: str
    occurred_at: datetime
    dedupe_key: str
    event_id: str | None = None
    property_name: str | None = None
    property_value: str | None = None


def contact_identity(portal_id: str, contact_id: str) -> Identity:
    return Identity("hubspot", f"{portal_id}:{contact_id}")


def grant_points(value: str | None) -> int | None:
    """A points grant typed into a contact property: a non-zero integer within ±MAX_GRANT, else None."""
    text = (value or "").strip()
    if not _INTEGER.fullmatch(text):
        return None
    points = int(text)
    return points if points != 0 and abs(points) <= MAX_GRANT else None


def birthday(value: str, today: date) -> date | None:
    """A HubSpot date property: epoch milliseconds at midnight UTC (webhooks), or YYYY-MM-DD. None if invalid.

    A date of birth lies between OLDEST_BIRTH_YEAR and today.
    """
    text = value.strip()
    found: date | None
    try:
        if text.isascii() and text.isdigit():
            ms = int(text)
            if ms % _MS_PER_DAY:
                return None
            found = datetime.fromtimestamp(ms / 1000, UTC).date()
        else:
            found = date.fromisoformat(text) if len(text) == 10 else None
    except (ValueError, OverflowError, OSError):
        return None
    if found is None or not date(OLDEST_BIRTH_YEAR, 1, 1) <= found <= today:
        return None
    return found


def opted_out(value: str | None) -> bool | None:
    """hs_email_optout: True, False, or None when the value is neither."""
    text = (value or "").strip().lower()
    return {"true": True, "false": False}.get(text)


def synced_properties(configured: object, reserved: Collection[str]) -> tuple[tuple[str, ...], list[str]]:
    """The contact properties a program syncs onto its members (program config `hubspot_synced_properties`: a list
    of internal names, or one name), and why any entry was left out, by position and never by value: not a name,
    a property with a meaning of its own (`reserved`: email, opt-out, grant points), a repeat, or past the limit."""
    entries = [configured] if isinstance(configured, str) else configured
    if entries is None:
        return (), []
    if not isinstance(entries, list):
        return (), ["hubspot_synced_properties: a list of property names is required; none synced"]
    kept: list[str] = []
    ignored: list[str] = []
    for i, name in enumerate(entries):
        at = f"hubspot_synced_properties[{i}]"
        if not isinstance(name, str) or not SYNCED_NAME.fullmatch(name):
            ignored.append(f"{at}: {SYNCED_NAME_WANTED}")
        elif name in reserved:
            ignored.append(f"{at}: {name} has a meaning of its own and is not a synced property")
        elif name in kept:
            ignored.append(f"{at}: listed before")
        elif len(kept) == MAX_SYNCED_PROPERTIES:
            ignored.append(f"{at}: at most {MAX_SYNCED_PROPERTIES} properties")
        else:
            kept.append(name)
    return tuple(kept), ignored
