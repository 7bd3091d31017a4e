"""Survey answers and their summary → the response shapes of web/shapes/feedback.py."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, cast

from chalicelib.domain.surveys import Tally
from chalicelib.services.ports.feedback import Answer, SurveyRecord
from chalicelib.web.shapes import feedback as shape


def responses_body(records: Sequence[SurveyRecord], next_cursor: str | None) -> shape.FeedbackResponses:
    return shape.FeedbackResponses(responses=[response_body(r, r.answer) for r in records if r.answer],
                                   next=next_cursor)


def response_body(record: SurveyRecord, answer: Answer) -> shape.FeedbackResponse:
    survey = record.survey
    return shape.FeedbackResponse(
        response_id=record.response_id, member_id=survey.member_id, kind=cast(Any, survey.kind), score=answer.score,
        comment=answer.comment, sentiment=answer.sentiment, answered_at=answer.answered_at.isoformat(),
        trigger=survey.trigger)


def summary_body(first: date, last: date, by: str | None,
                 groups: Sequence[tuple[str, Tally]]) -> shape.FeedbackSummary:
    return shape.FeedbackSummary(period_from=first.isoformat(), period_to=last.isoformat(), by=cast(Any, by), groups=[
        shape.FeedbackGroup(key=key, nps=t.nps, csat=t.csat, responses=t.responses, surveys_delivered=t.delivered,
                            response_rate=t.response_rate, mean_sentiment=t.mean_sentiment) for key, t in groups])
