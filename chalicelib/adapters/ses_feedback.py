"""SES bounce and complaint notices → (kind, addresses). Accepts the EventBridge event, and the SNS form."""
from __future__ import annotations

import json
from typing import Any

from chalicelib.domain.errors import InvalidPayload

HARD_BOUNCE, COMPLAINT = "hard_bounce", "complaint"


def parse_feedback(body: str) -> tuple[str | None, list[str]]:
    """The kind of feedback and its addresses; (None, []) for what needs no action (soft bounces, deliveries)."""
    try:
        event: Any = json.loads(body)
        if isinstance(event, dict) and "Message" in event and event.get("Type") == "Notification":
            event = json.loads(event["Message"])        # SNS envelope
    except (ValueError, TypeError) as e:
        raise InvalidPayload("feedback notice is not JSON") from e
    notice = event.get("detail", event) if isinstance(event, dict) else {}
    kind = notice.get("eventType") or notice.get("notificationType")
    if kind == "Bounce" and (notice.get("bounce") or {}).get("bounceType") == "Permanent":
        return HARD_BOUNCE, _addresses(notice["bounce"].get("bouncedRecipients"))
    if kind == "Complaint":
        return COMPLAINT, _addresses((notice.get("complaint") or {}).get("complainedRecipients"))
    return None, []


def _addresses(recipients: Any) -> list[str]:
    return [str(r["emailAddress"]).strip().lower() for r in recipients or []
            if isinstance(r, dict) and r.get("emailAddress")]
