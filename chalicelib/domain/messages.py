"""Messages to members: created with the ledger change that causes them, sent later by the dispatcher."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

TRANSACTIONAL, REVIEW, MARKETING, FEEDBACK = "transactional", "review", "marketing", "feedback"

CATEGORY = {
    "points_earned": TRANSACTIONAL, "welcome": TRANSACTIONAL, "reward_available": TRANSACTIONAL,
    "points_expiring": TRANSACTIONAL, "tier_achieved": TRANSACTIONAL,
    "reward_code": TRANSACTIONAL, "redemption_failed": TRANSACTIONAL,
    "review_request": REVIEW, "review_reminder": REVIEW,
    "tier_at_risk": MARKETING, "campaign_message": MARKETING,
    "nps_survey": FEEDBACK, "csat_survey": FEEDBACK,
}

SCHEDULED, SENDING, SENT, SKIPPED, DEFERRED, FAILED = "scheduled", "sending", "sent", "skipped", "deferred", "failed"


@dataclass(frozen=True)
class Message:
    message_id: str
    member_id: str
    kind: str
    due_at: datetime
    data: dict[str, Any] = field(default_factory=dict)
    status: str = SCHEDULED
    reason: str | None = None
    ses_message_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    attempts: int = 0
    sent_at: datetime | None = None           # when SES took it
    delivered_at: datetime | None = None      # SES delivery event (first)
    opened_at: datetime | None = None         # SES open event (first)

    @property
    def category(self) -> str:
        return CATEGORY[self.kind]


def message_id_for(key: str) -> str:
    """One message per business fact (e.g. "points_earned:shopify:<shop>:order:<id>:earn"), however often it arrives."""
    return "msg_" + hashlib.sha256(key.encode()).hexdigest()[:24]


def new_message(key: str, member_id: str, kind: str, due_at: datetime, data: dict[str, Any]) -> Message:
    if kind not in CATEGORY:
        raise ValueError(f"unknown message kind {kind}")
    return Message(message_id=message_id_for(key), member_id=member_id, kind=kind, due_at=due_at, data=data,
                   created_at=due_at, updated_at=due_at)


class Rendered(NamedTuple):
    """A message as its reader sees it: the subject, the HTML and the plain-text body."""

    subject: str
    html: str
    text: str
