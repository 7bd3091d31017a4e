"""Engagement with our mail: the sent message a click or an SES event is about, the timeline events they make, and
the campaign a click moves on (the campaign store implements CampaignProgress)."""
from __future__ import annotations

from datetime import datetime
from typing import Protocol

from chalicelib.domain.member_events import LinkClicked, MailDelivered, MailOpened
from chalicelib.domain.messages import Message


class CampaignProgress(Protocol):
    def clicked(self, program_id: str, enrollment: str, at: datetime) -> None:
        """The member clicked a link of this enrollment's mail: a step waiting for a click goes on."""
        ...


class EngagementStore(Protocol):
    def sent_message(self, program_id: str, member_id: str, message_id: str) -> Message | None:
        """The message as the outbox holds it (its sent and delivered times); None when there is none."""
        ...

    def record_click(self, program_id: str, member_id: str, click: LinkClicked) -> None:
        """Count a click in the member's timeline: one event per link of a message and per `likely_scanner`,
        keeping the first click's time (so a member's timeline grows with the links, not with the clicks)."""
        ...

    def record_mail_event(self, program_id: str, member_id: str, event: MailDelivered | MailOpened) -> bool:
        """Set the message's delivered_at / opened_at and add the timeline event, the first time only; False when
        it was recorded before or there is no such message."""
        ...
