"""Engagement with our mail: delivery and opens (SES event publishing), clicks (our tracked links).

Security scanners of mail providers and companies fetch every link of a message moments after it arrives; a click
within SCANNER_WINDOW of the mail's sending or its delivery is kept, flagged `likely_scanner`, and moves no campaign on.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

SCANNER_WINDOW = timedelta(seconds=10)
DELIVERED, OPENED = "delivered", "opened"


@dataclass(frozen=True)
class MailEngagement:
    """What SES says happened to one mail of ours, found by the tags the mailer put on it."""

    kind: str                       # DELIVERED | OPENED
    program_id: str
    member_id: str
    message_id: str
    at: datetime
    message_kind: str | None = None


def likely_scanner(clicked_at: datetime, sent_at: datetime | None, delivered_at: datetime | None) -> bool:
    """A click within seconds of the mail's sending or delivery (an unknown time says nothing)."""
    return any(t is not None and timedelta(0) <= clicked_at - t < SCANNER_WINDOW for t in (sent_at, delivered_at))
