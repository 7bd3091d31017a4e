"""An in-memory FeedbackStore (and FeedbackListing) for the service tests; the moto tests run the same calls on
DynamoDBFeedbackStore."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime

from chalicelib.domain.surveys import response_id_for
from chalicelib.services.ports.feedback import Answer, SentSurvey, SurveyRecord


@dataclass
class InMemoryFeedbackStore:
    records: dict[tuple[str, str], SurveyRecord] = field(default_factory=dict)
    followups: list[tuple[str, str]] = field(default_factory=list)      # (program, "<member>/<survey>") filed

    def survey_sent(self, program_id: str, survey: SentSurvey) -> None:
        self.records.setdefault((program_id, survey.survey_id),
                                SurveyRecord(survey, None, response_id_for(program_id, survey.survey_id)))

    def survey(self, program_id: str, survey_id: str, sent_at: datetime) -> SurveyRecord | None:
        record = self.records.get((program_id, survey_id))
        return record if record and record.survey.sent_at == sent_at else None

    def answer(self, program_id: str, survey: SentSurvey, answer: Answer, follow_up: bool) -> SurveyRecord:
        record = replace(self.records[(program_id, survey.survey_id)], answer=answer)
        self.records[(program_id, survey.survey_id)] = record
        ref = f"{survey.member_id}/{survey.survey_id}"
        if follow_up and (program_id, ref) not in self.followups:
            self.followups.append((program_id, ref))
        return record

    def surveys(self, program_id: str, start: datetime, end: datetime) -> Iterator[SurveyRecord]:
        yield from sorted((r for (p, _), r in self.records.items() if p == program_id
                           and start <= r.survey.sent_at <= end), key=lambda r: r.survey.sent_at)

    def newest_first(self, program_id: str, start: datetime, end: datetime,
                     after: str | None) -> Iterator[tuple[SurveyRecord, str]]:
        ordered = sorted(self.surveys(program_id, start, end), key=lambda r: r.survey.sent_at, reverse=True)
        positions = [r.survey.survey_id for r in ordered]
        begin = positions.index(after) + 1 if after else 0
        yield from ((r, r.survey.survey_id) for r in ordered[begin:])

    def member_survey(self, program_id: str, member_id: str, survey_id: str) -> SurveyRecord | None:
        record = self.records.get((program_id, survey_id))
        return record if record and record.answer and record.survey.member_id == member_id else None


class FixedSentiment:
    """Polarity by a fixed table (unknown text: 0); remembers what it was asked."""

    def __init__(self, scores: dict[str, float] | None = None) -> None:
        self.scores = scores or {}
        self.asked: list[str] = []

    def polarity(self, text: str) -> float:
        self.asked.append(text)
        return self.scores.get(text, 0.0)
