"""HubSpot webhook events as the ledger sees them, and the checks on the values CRM users type in."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from chalicelib.domain.ledger import Identity

CONTACT_CREATION = "contact.creation"
CONTACT_PROPERTY_CHANGE = "contact.propertyChange"
CONTACT_DELETION = "contact.deletion"
CONTACT_PRIVACY_DELETION = "contact.privacyDeletion"
DEAL_PROPERTY_CHANGE = "deal.propertyChange"
MAX_GRANT = 100_000
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
