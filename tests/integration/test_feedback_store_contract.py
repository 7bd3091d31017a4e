"""The same assertions on the in-memory FeedbackStore (tests/feedback_fakes.py) and on DynamoDBFeedbackStore (moto),
so the fake the service tests use stays honest."""
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib import bootstrap
from chalicelib.domain.ledger import Identity, member_id_for
from chalicelib.domain.surveys import AFTER_DELIVERY, CSAT_SURVEY, NPS_SURVEY, response_id_for
from chalicelib.services.ports.feedback import Answer, SentSurvey
from tests.feedback_fakes import InMemoryFeedbackStore

T = datetime(2026, 11, 1, 9, 30, 0, 123456, tzinfo=UTC)
ADA = Identity("shopify", "demo-shop.myshopify.com:7390012345678901234")
MID = member_id_for("demo", ADA)


def sent(n, kind=NPS_SURVEY):
    return SentSurvey(f"msg-{n}", MID, kind, AFTER_DELIVERY, T + timedelta(hours=n), "repeat", "champions", "Gold")


class FeedbackStoreContract:
    @pytest.fixture
    def store(self):
        raise NotImplementedError

    def test_a_survey_is_found_by_its_id_and_send_time_only(self, store):
        store.survey_sent("demo", sent(0))
        store.survey_sent("demo", sent(0))                                   # a retry records nothing more
        found = store.survey("demo", "msg-0", T)
        assert (found.survey, found.answer, found.response_id) == (sent(0), None, response_id_for("demo", "msg-0"))
        assert store.survey("demo", "msg-0", T + timedelta(microseconds=1)) is None
        assert store.survey("other", "msg-0", T) is None

    def test_answering_again_replaces_the_answer(self, store):
        store.survey_sent("demo", sent(0, CSAT_SURVEY))
        store.answer("demo", sent(0, CSAT_SURVEY), Answer(2, "meh", -0.25, T + timedelta(days=1)), True)
        store.answer("demo", sent(0, CSAT_SURVEY), Answer(4, None, None, T + timedelta(days=2)), False)
        assert store.survey("demo", "msg-0", T).answer == Answer(4, None, None, T + timedelta(days=2))
        assert store.member_survey("demo", MID, "msg-0").answer.score == 4

    def test_a_period_lists_its_surveys_oldest_first_and_pages_newest_first(self, store):
        for n in range(4):
            store.survey_sent("demo", sent(n))
        ids = [r.survey.survey_id for r in store.surveys("demo", T + timedelta(hours=1), T + timedelta(hours=2))]
        assert ids == ["msg-1", "msg-2"]
        newest = list(store.newest_first("demo", T, T + timedelta(days=1), None))
        assert [r.survey.survey_id for r, _ in newest] == ["msg-3", "msg-2", "msg-1", "msg-0"]
        after = list(store.newest_first("demo", T, T + timedelta(days=1), newest[1][1]))
        assert [r.survey.survey_id for r, _ in after] == ["msg-1", "msg-0"]

    def test_a_period_that_ends_before_it_starts_lists_nothing(self, store):
        store.survey_sent("demo", sent(0))
        # e.g. answers from a date after today: DynamoDB refuses a BETWEEN whose bounds are the wrong way round
        assert list(store.surveys("demo", T + timedelta(days=1), T)) == []
        assert list(store.newest_first("demo", T + timedelta(days=3000), T, None)) == []


class TestInMemoryFeedbackStore(FeedbackStoreContract):
    @pytest.fixture
    def store(self):
        return InMemoryFeedbackStore()


class TestDynamoDBFeedbackStore(FeedbackStoreContract):
    @pytest.fixture
    def store(self, aws):
        bootstrap.get_profiles().set_contact("demo", ADA, "ada@example.com", "Ada", T)
        return bootstrap.get_feedback_store()


class TestDynamoDBLocalFeedbackStore(FeedbackStoreContract):
    """DynamoDB Local, which checks key conditions as DynamoDB does (moto lets some through)."""

    @pytest.fixture
    def store(self, dynamodb_local_table):
        from chalicelib.adapters.dynamodb_feedback import DynamoDBFeedbackStore
        from chalicelib.adapters.dynamodb_profiles import DynamoDBProfiles
        table, client = dynamodb_local_table
        DynamoDBProfiles(table, client).set_contact("demo", ADA, "ada@example.com", "Ada", T)
        return DynamoDBFeedbackStore(table, client)


def test_the_answer_is_one_transaction_with_the_profile_facts_timeline_sync_mark_and_follow_up(aws):
    from chalicelib.adapters.dynamodb_feedback import build_answer_writes
    from chalicelib.domain.surveys import FeedbackFacts

    writes = build_answer_writes("t", "demo", sent(0), Answer(3, None, None, T), True,
                                 FeedbackFacts(last_csat=5, last_csat_at=T - timedelta(days=9)))
    assert [next(iter(w)) for w in writes] == ["Update", "Put", "Update", "Update", "Update"]
    facts = writes[2]["Update"]["ExpressionAttributeValues"][":facts"]["M"]
    assert (facts["last_nps"], facts["last_csat"]) == ({"N": "3"}, {"N": "5"})
    assert writes[4]["Update"]["Key"]["SK"] == {"S": "DUE#feedback_followup#msg-0"}
    assert len(build_answer_writes("t", "demo", sent(0), Answer(9, None, None, T), False, FeedbackFacts())) == 4
