"""HubSpot webhook batches: the wire format (names, types, the dedupe key) stays here; services get HubSpotEvent."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.adapters import json_input
from chalicelib.domain import limits
from chalicelib.domain.errors import InvalidPayload
from chalicelib.domain.hubspot import HubSpotEvent

MAX_EVENTS = 100
# What makes two notifications the same (platforms.md B2: eventId alone is not unique; attemptNumber varies).
DEDUPE_FIELDS = ("portalId", "subscriptionId", "eventId", "objectId", "occurredAt", "subscriptionType",
                 "propertyName", "propertyValue")


def load_batch(raw_body: bytes) -> list[dict[str, Any]]:
    """The batch: a JSON array of 1..MAX_EVENTS objects, each naming its portal (strict, depth-bounded JSON)."""
    body = json_input.loads(raw_body, parse_float=json_input.finite_float)
    if not isinstance(body, list) or not 1 <= len(body) <= MAX_EVENTS:
        raise InvalidPayload(f"body must be a JSON array of 1 to {MAX_EVENTS} events")
    if not all(isinstance(event, dict) for event in body):
        raise InvalidPayload("every event must be a JSON object")
    if not all(portal_of(event) for event in body):
        raise InvalidPayload(f"every event must name its portal (portalId: a positive integer of at most "
                             f"{limits.MAX_ID_DIGITS} digits)")
    return body


def portal_of(event: Mapping[str, Any]) -> str | None:
    return _id(event.get("portalId"))


def subscription_type(event: Mapping[str, Any]) -> str:
    """`subscriptionType`; older payloads (and the docs' example) say `eventType`."""
    value = event.get("subscriptionType") or event.get("eventType")
    return value if isinstance(value, str) else ""


def dedupe_key(event: Mapping[str, Any]) -> str:
    """sha256 over the fields that identify a notification, attemptNumber left out."""
    values = [_text(event.get(name)) for name in DEDUPE_FIELDS]
    values[DEDUPE_FIELDS.index("subscriptionType")] = subscription_type(event)
    canonical = json.dumps(values, separators=(",", ":"), ensure_ascii=False)
    return "hubspot:" + hashlib.sha256(canonical.encode()).hexdigest()


def hubspot_envelope(event: Mapping[str, Any], program_id: str, received_at: str) -> dict[str, Any]:
    """One event of a batch as the ingest queue carries it, keyed by its composite dedupe key."""
    return {"v": 1, "source": "hubspot", "program_id": program_id, "portal_id": portal_of(event),
            "topic": subscription_type(event) or "unknown", "webhook_id": dedupe_key(event),
            "event_id": str(event.get("eventId")), "received_at": received_at,
            "body": json.dumps(event, separators=(",", ":"))}


def parse_event(body: Mapping[str, Any], dedupe: str) -> HubSpotEvent:
    """One queued notification → the domain event."""
    portal, object_id, occurred = portal_of(body), _id(body.get("objectId")), body.get("occurredAt")
    if portal is None or object_id is None:
        raise InvalidPayload("HubSpot event lacks portalId or objectId")
    if isinstance(occurred, bool) or not isinstance(occurred, int):
        raise InvalidPayload("HubSpot event lacks occurredAt (epoch milliseconds)")
    limits.epoch_millis(occurred, "occurredAt")
    value = body.get("propertyValue")
    if isinstance(value, (dict, list)):
        raise InvalidPayload("propertyValue must be a string, a number or a boolean")
    return HubSpotEvent(portal_id=portal, subscription_type=subscription_type(body), object_id=object_id,
                        occurred_at=from_epoch_ms(occurred), dedupe_key=dedupe,
                        event_id=_text(body.get("eventId")), property_name=_text(body.get("propertyName")),
                        property_value=None if value is None else _text(value))


def _id(value: Any) -> str | None:
    """A HubSpot numeric id (portal, object) as a string; anything else is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 < value < 10 ** limits.MAX_ID_DIGITS:
        return str(value)
    if isinstance(value, str) and limits.is_platform_id(value) and int(value) > 0:
        return str(int(value))
    return None


def from_epoch_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms // 1000, UTC) + timedelta(milliseconds=ms % 1000)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
