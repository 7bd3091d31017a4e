"""What happened to a member besides its ledger entries and messages: tier and journey changes, for its timeline.

Each is stored in the member's partition when it happens (a tier change with its order or review, the journey's
stage and state changes with the order or the nightly run that made them).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.journey import Change

TIER_CHANGED, JOURNEY_CHANGED = "tier_changed", "journey_changed"
FEEDBACK_ANSWERED = "feedback_answered"


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


MemberEvent = TierChanged | JourneyChanged | FeedbackAnswered
