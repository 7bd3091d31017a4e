"""Surveys sent and their answers (domain/surveys.py), and the sentiment of a comment."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class SentSurvey:
    """A survey as it was sent: the member's place then is the group its answer counts in (stage, RFM segment, tier),
    so that answers and surveys delivered are compared within the same groups."""

    survey_id: str                 # the message id
    member_id: str
    kind: str                      # nps_survey | csat_survey
    trigger: str                   # domain.surveys.TRIGGERS
    sent_at: datetime              # also the issue time of its links' tokens
    stage: str
    segment: str | None            # the member's RFM segment then, None before a nightly run scored it
    tier: str


@dataclass(frozen=True)
class Answer:
    score: int
    comment: str | None            # at most surveys.MAX_COMMENT characters; never logged
    sentiment: float | None        # VADER compound, −1 to 1, of the comment; None without one
    answered_at: datetime


@dataclass(frozen=True)
class SurveyRecord:
    """A sent survey with its answer, if any (the latest: answering again changes it)."""

    survey: SentSurvey
    answer: Answer | None
    response_id: str


class FeedbackStore(Protocol):
    def survey_sent(self, program_id: str, survey: SentSurvey) -> None:
        """Record a survey the dispatcher has just sent (once per survey id, whatever the retries)."""
        ...

    def survey(self, program_id: str, survey_id: str, sent_at: datetime) -> SurveyRecord | None:
        """The survey a link's token names (its id and issue time), with its answer; None when no such survey."""
        ...

    def answer(self, program_id: str, survey: SentSurvey, answer: Answer, follow_up: bool) -> SurveyRecord:
        """Keep the answer (replacing an earlier one), in one transaction with the member's latest feedback facts,
        a timeline item, a CRM sync mark and, when `follow_up` and none was filed for this survey yet, a follow-up
        due item."""
        ...

    def surveys(self, program_id: str, start: datetime, end: datetime) -> Iterator[SurveyRecord]:
        """Every survey sent from `start` to `end`, oldest first, with its answer."""
        ...


class Sentiment(Protocol):
    def polarity(self, text: str) -> float:
        """A rough signal from −1 (negative) to 1 (positive); never a trigger on its own."""
        ...


class FeedbackListing(Protocol):
    """What the admin listing, the follow-up and erasure read besides the FeedbackStore (the same adapter)."""

    def newest_first(self, program_id: str, start: datetime, end: datetime,
                     after: str | None) -> Iterator[tuple[SurveyRecord, str]]:
        """Surveys sent from `start` to `end`, newest first, each with its position; from just after the position
        `after` (an opaque string this method gave) when set."""
        ...

    def member_survey(self, program_id: str, member_id: str, survey_id: str) -> SurveyRecord | None:
        """A survey of the member that was answered (what a follow-up due item `<member_id>/<survey_id>` names)."""
        ...
