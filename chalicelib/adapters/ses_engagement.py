"""SES delivery and open events (the configuration set's event publishing, EventBridge or SNS form) → MailEngagement.

The dispatcher tags each message it sends with its program, member and message id (ses_tags.py), so an event finds its
message with one key: the outbox needs no index of SES message ids. Untagged mail (sent before the tags, or not by the
dispatcher) and every other event type give None.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from chalicelib.adapters.ses_feedback import notice_of, tag_value
from chalicelib.adapters.ses_tags import KIND_TAG, MEMBER_TAG, MESSAGE_TAG, PROGRAM_TAG
from chalicelib.domain.engagement import DELIVERED, OPENED, MailEngagement
from chalicelib.domain.ids import MEMBER_ID, well_formed

_MESSAGE_ID = re.compile(r"msg_[0-9a-f]{24}")              # domain.messages.message_id_for
_KINDS = {"Delivery": (DELIVERED, "delivery"), "Open": (OPENED, "open")}


def parse_engagement(body: str) -> MailEngagement | None:
    """A delivery or an open of a message the dispatcher sent; None for anything else. InvalidPayload: not JSON."""
    notice = notice_of(body)
    kind, section = _KINDS.get(str(notice.get("eventType")), (None, ""))
    mail = _object(notice.get("mail"))
    tags = mail.get("tags")
    program_id, member_id, message_id = (tag_value(tags, name) for name in (PROGRAM_TAG, MEMBER_TAG, MESSAGE_TAG))
    details = _object(notice.get(section))
    at = _time(details.get("timestamp")) or _time(mail.get("timestamp"))
    ids = well_formed(MEMBER_ID, member_id) and well_formed(_MESSAGE_ID, message_id)
    if kind is None or not program_id or not ids or at is None:
        return None
    return MailEngagement(kind, program_id, str(member_id), str(message_id), at, tag_value(tags, KIND_TAG))


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _time(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return moment if moment is not None and moment.utcoffset() is not None else None
