"""Surveys (category feedback) go through the same gates as every message: one cap with review and marketing mail,
quiet hours, their own unsubscribe category, and no marketing opt-in needed."""
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.gates import MessagingPolicy, Recipient, decide
from chalicelib.domain.messages import CATEGORY, new_message

NOON = datetime(2026, 11, 23, 12, tzinfo=UTC)
POLICY = MessagingPolicy()
KINDS = ["nps_survey", "csat_survey"]


def survey(kind, due=NOON):
    return new_message(f"{kind}:1", "m_1", kind, due, {})


@pytest.mark.parametrize("kind", KINDS)
def test_a_survey_is_feedback_mail_that_needs_no_marketing_opt_in(kind):
    assert CATEGORY[kind] == "feedback"
    for consent in (None, "not_subscribed", "subscribed"):
        assert decide(survey(kind), Recipient(email="a@b.c", consent=consent), POLICY, NOON).action == "send"


@pytest.mark.parametrize(("to", "reason"), [
    (Recipient(email="a@b.c", unsubscribed=frozenset({"feedback"})), "unsubscribed from feedback mail"),
    (Recipient(email="a@b.c", consent="unsubscribed"), "consent refused in Shopify"),
    (Recipient(email="a@b.c", complained=True), "address suppressed: complaint"),
])
def test_a_member_who_left_surveys_or_all_mail_gets_none(to, reason):
    decision = decide(survey("nps_survey"), to, POLICY, NOON)
    assert (decision.action, decision.reason) == ("skip", reason)


def test_leaving_review_or_marketing_mail_does_not_leave_surveys():
    to = Recipient(email="a@b.c", unsubscribed=frozenset({"review", "marketing"}))
    assert decide(survey("nps_survey"), to, POLICY, NOON).action == "send"


def test_a_survey_counts_in_the_one_cap_with_review_and_marketing_mail_and_waits_behind_them():
    full = Recipient(email="a@b.c", recent_capped_sends=(NOON - timedelta(days=6), NOON - timedelta(days=1)))
    decision = decide(survey("nps_survey"), full, POLICY, NOON)
    assert (decision.action, decision.reason, decision.retry_at) == (
        "defer", "frequency cap", NOON + timedelta(days=1, hours=3))


def test_a_survey_waits_for_the_morning_and_is_dropped_once_held_two_weeks():
    late = NOON.replace(hour=22)
    decision = decide(survey("csat_survey", late), Recipient(email="a@b.c"), POLICY, late)
    assert (decision.action, decision.reason, decision.retry_at) == (
        "defer", "quiet hours", datetime(2026, 11, 24, 9, tzinfo=UTC))
    full = Recipient(email="a@b.c", recent_capped_sends=(NOON, NOON))
    stale = decide(survey("nps_survey", NOON - timedelta(days=8)), full, POLICY, NOON)
    assert (stale.action, stale.reason) == ("skip", "stale: held by the frequency cap past its useful time")
