"""What the merchant reads of the answers: a filtered listing (JSON or CSV) and the summary per group.

The listing runs over the program's surveys newest sent first and keeps the answered ones that match; `from`/`to`
are dates of the answer (UTC), and an answer comes at most `SurveyRules.token_days` (≤ 365) after its survey was
sent, so only surveys sent from a year before `from` are read. A page reads at most SCAN_BUDGET surveys: it may
then hold fewer answers than asked, even none, with `next` set.

The summary counts the surveys sent in the period (dates of `sent_at`, inclusive) and their answers, in the group
the member was in when the survey was sent (stage, RFM segment, tier): an `all` group first, then one per group.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta

from chalicelib.domain import surveys
from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.ids import MEMBER_ID
from chalicelib.domain.surveys import NPS_SURVEY, Tally
from chalicelib.services.exports import page_size, to_csv
from chalicelib.services.journey_admin import period
from chalicelib.services.members import page_limit
from chalicelib.services.ports.feedback import FeedbackListing, FeedbackStore, SurveyRecord

SCAN_BUDGET = 1000                       # surveys read for one page at most
ANSWER_WINDOW = timedelta(days=365)      # the longest a survey's links work (SurveyRules.token_days ≤ 365)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
GROUPINGS = ("stage", "segment", "tier", "month")      # month: the calendar month (UTC) the survey was sent
ALL, UNSCORED = "all", "unscored"        # the group of every survey; the segment of members no run has scored yet
CSV_COLUMNS = ("response_id", "member_id", "kind", "score", "comment", "sentiment", "answered_at", "trigger",
               "survey_id", "sent_at", "stage", "segment", "tier")


@dataclass(frozen=True)
class ResponseQuery:
    member_id: str | None = None
    kind: str | None = None
    answered_from: date | None = None
    answered_to: date | None = None
    min_score: int | None = None
    max_score: int | None = None
    stage: str | None = None
    segment: str | None = None

    def matches(self, record: SurveyRecord) -> bool:
        answer, survey = record.answer, record.survey
        if answer is None:
            return False
        day = answer.answered_at.astimezone(UTC).date()
        return all((self.member_id in (None, survey.member_id), self.kind in (None, survey.kind),
                    self.answered_from is None or day >= self.answered_from,
                    self.answered_to is None or day <= self.answered_to,
                    self.min_score is None or answer.score >= self.min_score,
                    self.max_score is None or answer.score <= self.max_score,
                    self.stage in (None, survey.stage), self.segment in (None, survey.segment)))

    def sent_range(self, now: datetime) -> tuple[datetime, datetime]:
        start = datetime.combine(self.answered_from, time.min, UTC) - ANSWER_WINDOW if self.answered_from else EARLIEST
        end = datetime.combine(self.answered_to, time.max, UTC) if self.answered_to else now
        return start, end

    def listing(self) -> str:
        """The filters as text: a cursor is bound to the listing it pages (web/cursors.py)."""
        return "feedback:" + "&".join(f"{f.name}={getattr(self, f.name)}" for f in fields(self))


@dataclass(frozen=True)
class ResponsesPage:
    records: tuple[SurveyRecord, ...]
    next_position: str | None
    limit: int


def parse_query(params: Mapping[str, str]) -> ResponseQuery:
    """The listing's filters; 400 `invalid_query` naming every bad one."""
    problems: list[str] = []
    member_id, kind = params.get("member_id") or None, params.get("kind") or None
    if member_id is not None and not MEMBER_ID.fullmatch(member_id):
        problems.append("member_id: not a member id")
    if kind is not None and kind not in surveys.KINDS:
        problems.append(f"kind: one of {', '.join(surveys.KINDS)}")
    first, last = (_day(params, name, problems) for name in ("from", "to"))
    low, high = (_score(params, name, problems) for name in ("min_score", "max_score"))
    if first and last and first > last:
        problems.append("from: must not follow to")
    if problems:
        raise InvalidRequest("; ".join(problems), code="invalid_query")
    return ResponseQuery(member_id, kind, first, last, low, high, params.get("stage") or None,
                         params.get("segment") or None)


def responses(store: FeedbackListing, program_id: str, query: ResponseQuery, after: str | None, limit: str | None,
              now: datetime, csv: bool = False) -> ResponsesPage:
    """A page of answers, newest survey first; `next_position` continues it (None at the end). CSV pages are as
    large as the other exports' (services/exports.py)."""
    size = page_size(limit) if csv else page_limit(limit)
    start, end = query.sent_range(now)
    found: list[SurveyRecord] = []
    position: str | None = None
    for read, (record, position) in enumerate(store.newest_first(program_id, start, end, after), start=1):
        if query.matches(record):
            found.append(record)
        if len(found) == size or read == SCAN_BUDGET:
            return ResponsesPage(tuple(found), position, size)
    return ResponsesPage(tuple(found), None, size)


def responses_csv(page: ResponsesPage) -> str:
    return to_csv(CSV_COLUMNS, (_row(r) for r in page.records))


def summary(store: FeedbackStore, program_id: str, start: str | None, end: str | None, by: str | None,
            today: date) -> tuple[date, date, list[tuple[str, Tally]]]:
    if by not in (None, "", *GROUPINGS):
        raise InvalidRequest(f"by must be one of {', '.join(GROUPINGS)}", code="invalid_query")
    first, last = period(start, end, today)
    records = store.surveys(program_id, *day_bounds(first, last))
    return first, last, tally(records, by or None)


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The first and the last moment (UTC) of the days from `first` to `last`."""
    return datetime.combine(first, time.min, UTC), datetime.combine(last, time.max, UTC)


def tally(records: Iterable[SurveyRecord], by: str | None) -> list[tuple[str, Tally]]:
    """`all` first, then each group of `by` (stage, segment or tier as the survey was sent) by name."""
    groups: dict[str, list[SurveyRecord]] = defaultdict(list)
    for record in records:
        groups[ALL].append(record)
        if by:
            groups[_group(record, by)].append(record)
    keys = [ALL, *sorted(k for k in groups if k != ALL)]
    return [(key, _tally(groups.get(key, []))) for key in keys]


def _group(record: SurveyRecord, by: str) -> str:
    if by == "month":
        return f"{record.survey.sent_at.astimezone(UTC):%Y-%m}"
    return getattr(record.survey, by) or UNSCORED


def _tally(records: list[SurveyRecord]) -> Tally:
    answered = [(r.survey.kind, r.answer) for r in records if r.answer is not None]
    return Tally(nps_scores=[a.score for kind, a in answered if kind == NPS_SURVEY],
                 csat_scores=[a.score for kind, a in answered if kind != NPS_SURVEY],
                 sentiments=[a.sentiment for _, a in answered if a.sentiment is not None], delivered=len(records))


def _row(record: SurveyRecord) -> tuple[object, ...]:
    s, a = record.survey, record.answer               # the listing holds answered surveys only
    answer = (a.score, a.comment or "", a.sentiment, a.answered_at.isoformat()) if a else (None, "", None, None)
    return (record.response_id, s.member_id, s.kind, *answer, s.trigger, s.survey_id, s.sent_at.isoformat(), s.stage,
            s.segment or "", s.tier)


def _day(params: Mapping[str, str], name: str, problems: list[str]) -> date | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        if len(raw) == 10:
            return date.fromisoformat(raw)
    except ValueError:
        pass
    problems.append(f"{name}: a date, YYYY-MM-DD")
    return None


def _score(params: Mapping[str, str], name: str, problems: list[str]) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 2 or int(raw) > 10:
        problems.append(f"{name}: a whole number from 0 to 10")
        return None
    return int(raw)
