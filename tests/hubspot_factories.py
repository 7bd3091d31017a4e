"""Builders for HubSpot webhook events and signed requests (platforms.md B1, B2)."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from chalicelib.adapters.webhook_signatures import hubspot_v3_signature

HUBSPOT_SECRET = b"local-hubspot-secret"
PORTAL = 62515
PUBLIC_URL = "http://127.0.0.1:8000"          # the local stack's default LOYALTY_PUBLIC_URL
URI = PUBLIC_URL + "/webhooks/hubspot"
OCCURRED = 1795424400000                      # 2026-11-23T09:00:00Z, before the FixedClock's noon


def event(subscription_type: str, object_id: int, event_id: int = 1, occurred_at: int = OCCURRED,
          portal: int = PORTAL, **extra: Any) -> dict[str, Any]:
    return {"eventId": event_id, "subscriptionId": 686627, "portalId": portal, "appId": 7906213,
            "occurredAt": occurred_at, "subscriptionType": subscription_type, "attemptNumber": 0,
            "objectId": object_id, "changeSource": "CRM_UI", **extra}


def prop(object_id: int, name: str, value: str, event_id: int = 2, occurred_at: int = OCCURRED,
         kind: str = "contact.propertyChange", **extra: Any) -> dict[str, Any]:
    return event(kind, object_id, event_id, occurred_at, propertyName=name, propertyValue=value, **extra)


def batch(*events: dict[str, Any]) -> bytes:
    return json.dumps(list(events)).encode()


def hubspot_headers(body: bytes, now: datetime, secret: bytes = HUBSPOT_SECRET, uri: str = URI,
                    method: str = "POST", timestamp: int | None = None) -> dict[str, str]:
    ts = str(timestamp if timestamp is not None else int(now.timestamp() * 1000))
    return {"Content-Type": "application/json", "X-HubSpot-Request-Timestamp": ts,
            "X-HubSpot-Signature-v3": hubspot_v3_signature(secret, method, uri, body, ts)}
