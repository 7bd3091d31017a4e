"""Recording survey answers (services/feedback_answers.py) and reading them (services/feedback_reports.py), on fakes.
The summary's arithmetic is checked against figures worked out by hand."""
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from chalicelib.domain import surveys
from chalicelib.domain.errors import InvalidRequest, InvalidSignature, NotFound
from chalicelib.domain.surveys import CSAT_SURVEY, NPS_SURVEY, SurveyClaim
from chalicelib.domain.tokens import TokenExpired
from chalicelib.services import feedback_answers, feedback_reports
from chalicelib.services.feedback_answers import AnswerForm
from chalicelib.services.feedback_reports import ResponseQuery
from chalicelib.services.ports.feedback import Answer, SentSurvey, SurveyRecord
from tests.fakes import StaticRules
from tests.feedback_fakes import FixedSentiment, InMemoryFeedbackStore

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
SENT = NOW - timedelta(days=2)
SECRET = b"s" * 32
ADA, BOB = "m_" + "a" * 24, "m_" + "b" * 24


class Directory:
    def programs(self):
        return ["demo"]

    def messaging(self, program_id):
        return SimpleNamespace(unsubscribe_secrets=(SECRET,), program_name="Demo Shop")


class Members:
    def __init__(self, erased=()):
        self.erased = set(erased)

    def get_member(self, program_id, member_id):
        return SimpleNamespace(erased_at=NOW if member_id in self.erased else None)


def sent(survey_id="msg-1", member_id=ADA, kind=NPS_SURVEY, at=SENT, stage="repeat", segment=None, tier="Bronze"):
    return SentSurvey(survey_id, member_id, kind, surveys.AFTER_DELIVERY, at, stage, segment, tier)


def link(survey_id="msg-1", member_id=ADA, kind=NPS_SURVEY, score=9, at=SENT, program="demo", secret=SECRET):
    return surveys.sign(secret, SurveyClaim(program, member_id, survey_id, kind, score, at))


@pytest.fixture
def store():
    store = InMemoryFeedbackStore()
    store.survey_sent("demo", sent())
    return store


def answer(store, token, score="9", comment=None, members=None, sentiment=None, now=NOW):
    return feedback_answers.record_answer(token, AnswerForm(score, comment), Directory(), StaticRules(), store,
                                          members or Members(), sentiment or FixedSentiment(), now)


def test_opening_a_link_finds_its_survey_and_records_nothing(store):
    opened = feedback_answers.open_survey(link(score=3), Directory(), StaticRules(), store, NOW)
    assert (opened.claim.score, opened.record.answer, opened.program_name) == (3, None, "Demo Shop")
    assert store.followups == []


def test_an_answer_keeps_the_chosen_score_the_comment_and_its_sentiment(store):
    sentiment = FixedSentiment({"Fast delivery": 0.6})
    _, record = answer(store, link(score=9), score="7", comment="  Fast delivery \x07 ", sentiment=sentiment)
    assert record.answer == Answer(7, "Fast delivery", 0.6, NOW)
    assert store.records[("demo", "msg-1")].answer == record.answer


def test_answering_again_changes_the_answer_and_files_one_follow_up(store):
    answer(store, link(score=3), score="3")
    answer(store, link(score=3), score="2")
    answer(store, link(score=3), score="10", now=NOW + timedelta(hours=1))
    assert store.records[("demo", "msg-1")].answer.score == 10
    assert store.followups == [("demo", f"{ADA}/msg-1")]


def test_a_promoter_is_not_followed_up(store):
    answer(store, link(score=10), score="10")
    assert store.followups == []


def test_an_erased_members_comment_is_not_kept(store):
    _, record = answer(store, link(), comment="call me on 555", members=Members(erased={ADA}))
    assert record.answer.comment is None
    assert record.answer.sentiment is None


@pytest.mark.parametrize("score", [None, "", "11", "-1", "7.5", "٣", "seven"])
def test_a_score_off_the_scale_is_refused(store, score):
    with pytest.raises(InvalidRequest):
        answer(store, link(), score=score)
    assert store.records[("demo", "msg-1")].answer is None


def test_a_csat_link_takes_one_to_five_only(store):
    store.survey_sent("demo", sent("msg-2", kind=CSAT_SURVEY))
    with pytest.raises(InvalidRequest):
        answer(store, link("msg-2", kind=CSAT_SURVEY, score=4), score="0")
    _, record = answer(store, link("msg-2", kind=CSAT_SURVEY, score=4), score="5")
    assert record.answer.score == 5


def test_links_that_cannot_be_used_are_refused(store):
    store.survey_sent("demo", sent("msg-bob", member_id=BOB))
    with pytest.raises(InvalidSignature):
        answer(store, link(secret=b"x" * 32))                            # forged
    with pytest.raises(TokenExpired):
        answer(store, link(), now=SENT + timedelta(days=31))             # the default token_days is 30
    with pytest.raises(NotFound):
        answer(store, link("msg-bob", member_id=ADA))                    # Bob's survey, a link made out to Ada
    with pytest.raises(NotFound):
        answer(store, link(kind=CSAT_SURVEY, score=4))                   # the survey is an NPS one
    with pytest.raises(NotFound):
        answer(store, link(at=SENT + timedelta(seconds=1)))              # no survey sent then
    with pytest.raises(InvalidSignature):
        answer(store, link(program="other"))                             # not a program of ours
    assert all(r.answer is None for r in store.records.values())


def record(survey_id, kind, score, stage="repeat", segment=None, tier="Bronze", sentiment=None, answered=True):
    survey = sent(survey_id, kind=kind, stage=stage, segment=segment, tier=tier)
    return SurveyRecord(survey, Answer(score, None, sentiment, NOW) if answered else None, "fr_" + survey_id)


def test_the_summary_counts_nps_csat_response_rate_and_sentiment_per_group():
    records = [
        # loyal: NPS 10, 10, 9, 0 → 3 promoters, 1 detractor of 4 → 75 − 25 = 50.0; one survey unanswered
        record("a", NPS_SURVEY, 10, "loyal", sentiment=0.5), record("b", NPS_SURVEY, 10, "loyal"),
        record("c", NPS_SURVEY, 9, "loyal"), record("d", NPS_SURVEY, 0, "loyal", sentiment=-0.7),
        record("e", NPS_SURVEY, 0, "loyal", answered=False),
        # repeat: NPS 8, 6, 3 → 0 promoters, 2 detractors of 3 → −66.7; CSAT 5, 4, 2 → 2 of 3 → 66.7
        record("f", NPS_SURVEY, 8), record("g", NPS_SURVEY, 6), record("h", NPS_SURVEY, 3, sentiment=0.1),
        record("i", CSAT_SURVEY, 5), record("j", CSAT_SURVEY, 4), record("k", CSAT_SURVEY, 2),
        record("l", CSAT_SURVEY, 1, answered=False),
    ]
    groups = dict(feedback_reports.tally(records, "stage"))
    assert list(dict(feedback_reports.tally(records, "stage"))) == ["all", "loyal", "repeat"]
    loyal, repeat, everyone = groups["loyal"], groups["repeat"], groups["all"]
    assert (loyal.nps, loyal.csat, loyal.responses, loyal.delivered, loyal.response_rate) == (50.0, None, 4, 5, 0.8)
    assert loyal.mean_sentiment == -0.1                                   # (0.5 − 0.7) ÷ 2
    assert (repeat.nps, repeat.csat, repeat.responses, repeat.delivered) == (-66.7, 66.7, 6, 7)
    assert repeat.response_rate == 0.8571                                 # 6 ÷ 7
    # all: NPS 10 10 9 0 8 6 3 → 3 promoters, 3 detractors of 7 → 0.0; 10 answers of 12 surveys
    assert (everyone.nps, everyone.csat, everyone.responses, everyone.delivered) == (0.0, 66.7, 10, 12)
    assert everyone.response_rate == 0.8333
    assert everyone.mean_sentiment == round((0.5 - 0.7 + 0.1) / 3, 4)


def test_a_member_no_run_has_scored_counts_as_unscored_and_no_grouping_gives_all_only():
    records = [record("a", NPS_SURVEY, 10, segment="champions"), record("b", NPS_SURVEY, 2)]
    assert [key for key, _ in feedback_reports.tally(records, "segment")] == ["all", "champions", "unscored"]
    assert [key for key, _ in feedback_reports.tally(records, None)] == ["all"]
    assert feedback_reports.tally([], "tier")[0][1].response_rate is None


def test_the_listing_filters_and_pages_newest_survey_first():
    store = InMemoryFeedbackStore()
    for n in range(5):
        survey = sent(f"msg-{n}", at=SENT + timedelta(minutes=n), member_id=ADA if n % 2 else BOB)
        store.survey_sent("demo", survey)
        if n != 4:
            store.answer("demo", survey, Answer(n * 2, None, None, NOW), False)
    page = feedback_reports.responses(store, "demo", ResponseQuery(), None, "2", NOW)
    assert [r.survey.survey_id for r in page.records] == ["msg-3", "msg-2"]      # msg-4 is unanswered
    rest = feedback_reports.responses(store, "demo", ResponseQuery(), page.next_position, "2", NOW)
    assert [r.survey.survey_id for r in rest.records] == ["msg-1", "msg-0"]
    assert feedback_reports.responses(store, "demo", ResponseQuery(), rest.next_position, "2", NOW).records == ()
    only = feedback_reports.responses(store, "demo", ResponseQuery(member_id=ADA, min_score=4), None, None, NOW)
    assert [r.survey.survey_id for r in only.records] == ["msg-3"]
    assert "msg-0" in feedback_reports.responses_csv(rest)


def test_bad_filters_are_refused_naming_each():
    with pytest.raises(InvalidRequest) as refused:
        feedback_reports.parse_query({"kind": "nps", "from": "2026-13-01", "min_score": "11", "member_id": "x"})
    assert refused.value.code == "invalid_query"
    for name in ("kind", "from", "min_score", "member_id"):
        assert f"{name}:" in refused.value.message
    assert feedback_reports.parse_query({"from": "2026-01-01", "to": "2026-01-31"}).answered_to == date(2026, 1, 31)
    with pytest.raises(InvalidRequest):
        feedback_reports.parse_query({"from": "2026-02-01", "to": "2026-01-31"})
