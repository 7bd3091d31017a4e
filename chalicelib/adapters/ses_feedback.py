"""SES bounce and complaint notices → MailFeedback. Accepts the EventBridge event, and the SNS form."""
from __future__ import annotations

import json
from typing import Any

from chalicelib.adapters.ses_tags import PROGRAM_TAG, decode_value
from chalicelib.domain.errors import InvalidPayload
from chalicelib.domain.feedback import COMPLAINT, HARD_BOUNCE, MailFeedback, sender_address

__all__ = ["COMPLAINT", "HARD_BOUNCE", "MailFeedback", "parse_feedback"]


def parse_feedback(body: str) -> MailFeedback:
    """What the notice says: its kind (None for what needs no action: soft bounces, deliveries), the addresses,
    the program tag of the mail it is about (None when untagged) and the mail's sender address."""
    notice = notice_of(body)
    kind = notice.get("eventType") or notice.get("notificationType")
    if kind == "Bounce" and (notice.get("bounce") or {}).get("bounceType") == "Permanent":
        return _feedback(HARD_BOUNCE, notice["bounce"].get("bouncedRecipients"), notice.get("mail"))
    if kind == "Complaint":
        return _feedback(COMPLAINT, (notice.get("complaint") or {}).get("complainedRecipients"), notice.get("mail"))
    return MailFeedback(kind=None)


def notice_of(body: str) -> dict[str, Any]:
    """The SES event itself, from the EventBridge event (its `detail`) or the SNS notification (its `Message`)."""
    try:
        event: Any = json.loads(body)
        if isinstance(event, dict) and "Message" in event and event.get("Type") == "Notification":
            event = json.loads(event["Message"])        # SNS envelope
    except (ValueError, TypeError) as e:
        raise InvalidPayload("feedback notice is not JSON") from e
    notice = event.get("detail", event) if isinstance(event, dict) else {}
    return notice if isinstance(notice, dict) else {}


def _feedback(kind: str, recipients: Any, mail: Any) -> MailFeedback:
    mail = mail if isinstance(mail, dict) else {}
    source = mail.get("source")
    return MailFeedback(kind=kind, addresses=_addresses(recipients), program_id=_program_tag(mail.get("tags")),
                        source=sender_address(source) if isinstance(source, str) else None)


def _program_tag(tags: Any) -> str | None:
    return tag_value(tags, PROGRAM_TAG)


def tag_value(tags: Any, name: str) -> str | None:
    """`mail.tags` is {"name": ["value", ...]}; each of our tags holds one value."""
    values = tags.get(name) if isinstance(tags, dict) else None
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list) or len(values) != 1:
        return None
    return decode_value(values[0])


def _addresses(recipients: Any) -> tuple[str, ...]:
    return tuple(str(r["emailAddress"]).strip().lower() for r in recipients or []
                 if isinstance(r, dict) and r.get("emailAddress"))
