"""MessageComposer: a due message → the bytes SES sends (rendered templates, MIME, unsubscribe link, a survey's
signed score links, a campaign message's content with its merge values and tracked links)."""
from __future__ import annotations

from datetime import datetime
from email.utils import formataddr
from typing import Any

from chalicelib.domain import surveys, tokens
from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.ledger import Member
from chalicelib.domain.messages import CATEGORY, TRANSACTIONAL, Message, Rendered
from chalicelib.messaging.kinds import CAMPAIGN_MESSAGE, SAMPLE_DATA, sample_scores
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


def score_links(message: Message, program_id: str, settings: MessagingSettings, now: datetime) -> list[dict[str, Any]]:
    """A survey's scale as links, one per score, each signed for (program, member, survey, score) and issued `now`
    (the survey's sent time). The program's unsubscribe secret signs them: the survey tokens' own purpose label keeps
    either kind of token from passing for the other."""
    secret = settings.unsubscribe_secrets[0]
    return [{"score": score, "url": surveys.survey_url(settings.public_url, surveys.sign(secret, surveys.SurveyClaim(
        program_id, message.member_id, message.message_id, message.kind, score, issued_at=now)))}
        for score in surveys.SCALES[message.kind]]


class MessageComposer:
    def compose(self, message: Message, member: Member, settings: MessagingSettings, now: datetime) -> bytes:
        link = unsubscribe_link(message, member.program_id, settings, now)
        data = message.data
        if message.kind in surveys.KINDS:
            data = {**data, "scores": score_links(message, member.program_id, settings, now)}
        track = None
        if message.kind == CAMPAIGN_MESSAGE:
            from chalicelib.messaging.campaign import tracker  # Markdown and nh3 load with the first campaign mail
            track = tracker(message, member.program_id, settings, now)
        rendered: Rendered = render(message.kind, branding(settings), member.first_name, data, link, track)
        return build_message(rendered, sender=formataddr((settings.sender_name, settings.sender_email)),
                             recipient=member.email or "", message_id=message.message_id, unsubscribe_url=link,
                             configuration_set=settings.configuration_set, now=now)

    def preview(self, kind: str, settings: MessagingSettings) -> Rendered:
        """A template with its sample data (the admin preview); InvalidRequest for an unknown kind."""
        if kind not in SAMPLE_DATA:
            raise InvalidRequest(f"kind must be one of {', '.join(sorted(SAMPLE_DATA))}", code="invalid_query")
        sample_link = (f"{settings.public_url.rstrip('/')}/unsubscribe/preview"
                       if CATEGORY[kind] != TRANSACTIONAL else None)
        data = SAMPLE_DATA[kind]
        if kind in surveys.KINDS:
            data = {**data, "scores": sample_scores(kind, settings.public_url)}
        if kind == CAMPAIGN_MESSAGE:                # the sample's links stay as written: previews track nothing
            data = {**data, "merge": {**data["merge"], "program_name": settings.program_name,
                                      "store_url": settings.store_url}}
        return render(kind, branding(settings), "Ada", data, sample_link)
