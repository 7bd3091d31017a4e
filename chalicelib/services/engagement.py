"""Engagement with our mail: a tracked link followed (`GET /r/{token}`), a delivery or an open reported by SES.

A click is answered with the link's target once the token verifies and the target's site is still one the program
links to (domain/links.py): a forged, expired or retired link goes nowhere. The click is then kept in the member's
timeline, flagged `likely_scanner` when it came within seconds of the mail (domain/engagement.py); a person's click on
a campaign mail moves the campaign on (CampaignProgress). Keeping the click never stands between the member and the
page: a failure there is logged (ids only, never the URL) and the redirect goes ahead.
"""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from chalicelib.domain import links
from chalicelib.domain.engagement import DELIVERED, MailEngagement, likely_scanner
from chalicelib.domain.links import ClickClaim, LinkRetired
from chalicelib.domain.member_events import LinkClicked, MailDelivered, MailOpened
from chalicelib.domain.tokens import UnknownProgram
from chalicelib.observability import logger
from chalicelib.services.ports.engagement import CampaignProgress, EngagementStore
from chalicelib.services.ports.programs import ProgramDirectory


def follow_link(token: str, directory: ProgramDirectory, store: EngagementStore, progress: CampaignProgress | None,
                now: datetime) -> str:
    """The target of a tracked link, the click recorded. InvalidSignature (or a finer token error) for a link we did
    not sign, that expired or names a program we do not have; LinkRetired when its site is no longer allowed."""
    program_id = links.claimed_program(token)
    if program_id not in directory.programs():
        raise UnknownProgram("link names no program of ours")
    settings = directory.messaging(program_id)
    claim = links.verify(list(settings.unsubscribe_secrets), token, now)
    if not links.host_allowed(claim.url, links.allowed_hosts(settings.storefront, settings.public_url,
                                                             settings.link_domains)):
        raise LinkRetired("this link leads to a site the program no longer links to")
    try:
        record_click(claim, store, progress, now)
    except Exception as e:      # the member still gets the page: the click is worth less than the visit
        logger.warning("click_not_recorded", extra={"program_id": program_id, "message_id": claim.message_id,
                                                    "error_class": type(e).__name__})
    return claim.url


def record_click(claim: ClickClaim, store: EngagementStore, progress: CampaignProgress | None,
                 now: datetime) -> LinkClicked | None:
    """Keep the click in the member's timeline (None when its message is gone); a person's click on a campaign mail
    tells the campaign."""
    message = store.sent_message(claim.program_id, claim.member_id, claim.message_id)
    if message is None:
        return None
    target = urlsplit(claim.url)
    campaign_id = message.data.get("campaign_id")
    click = LinkClicked(now, claim.message_id, target.hostname or "", campaign_id if isinstance(campaign_id, str)
                        else None, likely_scanner(now, message.sent_at, message.delivered_at), target.path or "/",
                        message_kind=message.kind)
    store.record_click(claim.program_id, claim.member_id, click)
    if claim.enrollment and not click.likely_scanner and progress is not None:
        progress.clicked(claim.program_id, claim.enrollment, now)
    return click


def record_mail_event(event: MailEngagement, directory: ProgramDirectory, store: EngagementStore) -> bool:
    """A delivery or the first open on the message and in the member's timeline; False when it was recorded before,
    or the message (or its program) is not ours."""
    if event.program_id not in directory.programs():
        return False
    mail = MailDelivered if event.kind == DELIVERED else MailOpened
    return store.record_mail_event(event.program_id, event.member_id,
                                   mail(event.at, event.message_id, event.message_kind))
