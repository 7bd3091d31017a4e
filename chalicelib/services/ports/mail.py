"""Mail: composing, sending, and the outbox of each member's messages."""
from __future__ import annotations

from datetime import datetime
from typing import Protocol

from chalicelib.domain.ledger import Member
from chalicelib.domain.messages import Message, Rendered
from chalicelib.services.ports.programs import MessagingSettings


class Composer(Protocol):
    def compose(self, message: Message, member: Member, settings: MessagingSettings, now: datetime) -> bytes:
        """The message as RFC 5322 bytes, rendered for this member, with its unsubscribe link when it needs one."""
        ...

    def preview(self, kind: str, settings: MessagingSettings) -> Rendered:
        """A kind's template with sample data and the program's branding; InvalidRequest for an unknown kind."""
        ...


class Mailer(Protocol):
    def send_raw(self, raw: bytes, sender: str, recipient: str, configuration_set: str | None, *,
                 program_id: str, kind: str, member_id: str | None = None, message_id: str | None = None) -> str:
        """Send; the provider's message id. MailRejected: never deliverable; MailUnavailable: try later.

        The mail is tagged with its program and kind (and the member and message it is, when given), so bounces,
        complaints, deliveries and opens say whose mail they are about.
        """
        ...


class Outbox(Protocol):
    def claim(self, program_id: str, member_id: str, message_id: str, now: datetime) -> Message | None: ...

    def abandon_stale_claim(self, program_id: str, member_id: str, message_id: str, now: datetime) -> bool: ...

    def finish(self, program_id: str, message: Message, now: datetime, status: str, reason: str | None = None,
               ses_message_id: str | None = None, retry_at: datetime | None = None) -> None: ...

    def messages(self, program_id: str, member_id: str) -> list[Message]: ...

    def schedule(self, program_id: str, message: Message, now: datetime) -> bool:
        """Add a message outside a ledger change (a follow-up); False when it already exists."""
        ...
