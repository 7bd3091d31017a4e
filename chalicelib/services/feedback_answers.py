"""Answering a survey through its link: the page (GET) only shows the question, the answer is recorded on the POST.

Link scanners fetch every link of a message, so opening a link records nothing; the visitor confirms a score (which
may differ from the link's) with an optional comment. A link names its program, member, survey and kind, signed:
it works only for that survey of that member, until the program's `surveys.token_days` after it was sent.
Answering again changes the answer (the same response), never the count. Comments are never logged.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain import surveys
from chalicelib.domain.errors import InvalidRequest, NotFound
from chalicelib.domain.surveys import MAX_COMMENT, SurveyClaim
from chalicelib.domain.tokens import UnknownProgram
from chalicelib.services.ports.feedback import Answer, FeedbackStore, Sentiment, SurveyRecord
from chalicelib.services.ports.ledger import LedgerRepository
from chalicelib.services.ports.programs import ProgramDirectory, RulesSource

_SCORE = re.compile(r"[0-9]{1,2}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")      # keeps tab and line breaks


@dataclass(frozen=True)
class OpenedSurvey:
    claim: SurveyClaim
    record: SurveyRecord
    program_name: str


@dataclass(frozen=True)
class AnswerForm:
    score: str | None               # the form's fields as sent
    comment: str | None


def open_survey(token: str, directory: ProgramDirectory, rules: RulesSource, store: FeedbackStore,
                now: datetime) -> OpenedSurvey:
    """The survey a link names; InvalidSignature (or a finer token error) for a link we did not sign, that expired
    or names a program we do not have; NotFound when the survey is not the one the link was made for."""
    program_id = surveys.claimed_program(token)
    if program_id not in directory.programs():
        raise UnknownProgram("survey link names no program of ours")
    settings = directory.messaging(program_id)
    max_age = timedelta(days=rules.rules_at(program_id, now).surveys.token_days)
    claim = surveys.verify(list(settings.unsubscribe_secrets), token, now, max_age)
    record = store.survey(program_id, claim.survey_id, claim.issued_at)
    if record is None or record.survey.member_id != claim.member_id or record.survey.kind != claim.kind:
        raise NotFound("no survey for this link")
    return OpenedSurvey(claim, record, settings.program_name)


def record_answer(token: str, form: AnswerForm, directory: ProgramDirectory, rules: RulesSource,
                  store: FeedbackStore, ledger: LedgerRepository, sentiment: Sentiment,
                  now: datetime) -> tuple[OpenedSurvey, SurveyRecord]:
    """Keep the visitor's answer (replacing an earlier one); an unhappy score files the follow-up once per survey.
    An erased member's comment is not kept."""
    opened = open_survey(token, directory, rules, store, now)
    survey = opened.record.survey
    score = parse_score(survey.kind, form.score)
    comment = clean_comment(form.comment)
    member = ledger.get_member(opened.claim.program_id, survey.member_id)
    if member is None or member.erased_at is not None:
        comment = None
    answer = Answer(score, comment, sentiment.polarity(comment) if comment else None, now)
    return opened, store.answer(opened.claim.program_id, survey, answer, surveys.unhappy(survey.kind, score))


def parse_score(kind: str, raw: str | None) -> int:
    low, high = surveys.SCALES[kind][0], surveys.SCALES[kind][-1]
    text = (raw or "").strip()
    if not _SCORE.fullmatch(text) or not surveys.valid_score(kind, int(text)):
        raise InvalidRequest(f"score must be a whole number from {low} to {high}", code="invalid_score")
    return int(text)


def clean_comment(raw: str | None) -> str | None:
    """The comment trimmed, without control characters, at most MAX_COMMENT characters; None when empty."""
    text = _CONTROL.sub("", (raw or "").replace("\r\n", "\n")).strip()[:MAX_COMMENT].strip()
    return text or None
