"""What happened to a member besides its ledger entries and messages: tier and journey changes, survey answers and
engagement with our mail (delivered, opened, a link clicked), for its timeline.

Each is stored in the member's partition when it happens (a tier change with its order or review, the journey's
stage and state changes with the order or the nightly run that made them, engagement when SES or the click says so).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.journey import Change

TIER_CHANGED, JOURNEY_CHANGED = "tier_changed", "journey_changed"
FEEDBACK_ANSWERED = "feedback_answered"
LINK_CLICKED, MAIL_DELIVERED, MAIL_OPENED = "link_clicked", "mail_delivered", "mail_opened"


@dataclass(frozen=True)
class TierChanged:
    at: datetime
    from_tier: str
    to_tier: str


@dataclass(frozen=True)
class JourneyChanged:
    at: datetime                       # the latest of its changes
    changes: tuple[Change, ...]        # the stage and state changes one event made, each with its time and cause


@dataclass(frozen=True)
class FeedbackAnswered:
    """A survey answered (the latest answer: answering again changes it). The comment stays with the survey."""

    at: datetime                       # when it was (last) answered
    survey_id: str
    survey_kind: str                   # nps_survey | csat_survey
    score: int
    response_id: str


@dataclass(frozen=True)
class LinkClicked:
    """A tracked link of a message followed: one event per link of a message (and per scanner or person), with the
    first click's time and how many clicks there were. The host and path only: never the query string."""

    at: datetime                       # the first click
    message_id: str
    url_host: str
    campaign_id: str | None
    likely_scanner: bool               # within seconds of the mail's sending or delivery: a link scanner, likely
    url_path: str = "/"
    clicks: int = 1
    message_kind: str | None = None    # the message's kind, for the program's mail figures


@dataclass(frozen=True)
class MailDelivered:
    """SES handed the mail to the recipient's mail server."""

    at: datetime
    message_id: str
    message_kind: str | None = None


@dataclass(frozen=True)
class MailOpened:
    """The mail was first opened (SES open tracking: images loaded, so neither sure nor complete)."""

    at: datetime
    message_id: str
    message_kind: str | None = None


MemberEvent = TierChanged | JourneyChanged | FeedbackAnswered | LinkClicked | MailDelivered | MailOpened
