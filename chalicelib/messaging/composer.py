"""MessageComposer: a due message → the bytes SES sends (rendered templates, MIME, unsubscribe link)."""
from __future__ import annotations

from datetime import datetime
from email.utils import formataddr

from chalicelib.domain import tokens
from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.ledger import Member
from chalicelib.domain.messages import CATEGORY, TRANSACTIONAL, Message, Rendered
from chalicelib.messaging.kinds import SAMPLE_DATA
from chalicelib.messaging.mime import build_message
from chalicelib.messaging.render import Branding, render
from chalicelib.services.ports.programs import MessagingSettings


def branding(settings: MessagingSettings) -> Branding:
    return Branding(program_name=settings.program_name, sender_name=settings.sender_name,
                    sender_email=settings.sender_email, postal_address=settings.postal_address,
                    brand_color=settings.brand_color, store_url=settings.store_url)


def unsubscribe_link(message: Message, program_id: str, settings: MessagingSettings, now: datetime) -> str | None:
    """Review and marketing mail carry a one-click unsubscribe link for their category (RFC 8058)."""
    if message.category == TRANSACTIONAL:
        return None
    token = tokens.sign(settings.unsubscribe_secrets[0], program_id, message.member_id, message.category, now)
    return tokens.unsubscribe_url(settings.public_url, token)


class MessageComposer:
    def compose(self, message: Message, member: Member, settings: MessagingSettings, now: datetime) -> bytes:
        link = unsubscribe_link(message, member.program_id, settings, now)
        rendered: Rendered = render(message.kind, branding(settings), member.first_name, message.data, link)
        return build_message(rendered, sender=formataddr((settings.sender_name, settings.sender_email)),
                             recipient=member.email or "", message_id=message.message_id, unsubscribe_url=link,
                             configuration_set=settings.configuration_set, now=now)

    def preview(self, kind: str, settings: MessagingSettings) -> Rendered:
        """A template with its sample data (the admin preview); InvalidRequest for an unknown kind."""
        if kind not in SAMPLE_DATA:
            raise InvalidRequest(f"kind must be one of {', '.join(sorted(SAMPLE_DATA))}", code="invalid_query")
        sample_link = (f"{settings.public_url.rstrip('/')}/unsubscribe/preview"
                       if CATEGORY[kind] != TRANSACTIONAL else None)
        return render(kind, branding(settings), "Ada", SAMPLE_DATA[kind], sample_link)
