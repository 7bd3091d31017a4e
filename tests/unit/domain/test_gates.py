from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.gates import MessagingPolicy, Recipient, decide
from chalicelib.domain.messages import new_message

NOON = datetime(2026, 11, 23, 12, tzinfo=UTC)
POLICY = MessagingPolicy()
ADA = Recipient(email="ada@example.com")


def message(kind, due=NOON):
    return new_message(f"{kind}:1", "m_1", kind, due, {})


@pytest.mark.parametrize(("kind", "to", "reason"), [
    ("points_earned", Recipient(email=None), "no email address"),
    ("points_earned", Recipient(email="a@b.c", erased=True), "no email address"),
    ("points_earned", Recipient(email="a@b.c", hard_bounced=True), "address suppressed: hard bounce"),
    ("review_request", Recipient(email="a@b.c", complained=True), "address suppressed: complaint"),
    ("points_earned", Recipient(email="a@b.c", consent="unsubscribed"), "consent refused in Shopify"),
    ("review_request", Recipient(email="a@b.c", unsubscribed=frozenset({"review"})), "unsubscribed from review mail"),
    ("tier_at_risk", Recipient(email="a@b.c", consent="not_subscribed"), "marketing mail needs opt-in"),
])
def test_blocked_messages_are_skipped_with_their_reason(kind, to, reason):
    assert (decide(message(kind), to, POLICY, NOON).action, decide(message(kind), to, POLICY, NOON).reason) == (
        "skip", reason)


def test_transactional_mail_goes_despite_a_complaint_or_no_marketing_consent():
    to = Recipient(email="a@b.c", complained=True, consent="not_subscribed")
    assert decide(message("points_earned"), to, POLICY, NOON).action == "send"
    assert decide(message("review_request"), Recipient(email="a@b.c", consent="not_subscribed"), POLICY,
                  NOON).action == "send"
    assert decide(message("tier_at_risk"), Recipient(email="a@b.c", consent="subscribed"), POLICY, NOON).action \
        == "send"


def test_quiet_hours_defer_review_and_marketing_mail_to_the_morning_in_the_programs_time_zone():
    late = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)
    decision = decide(message("review_request", late), ADA, POLICY, late)
    assert (decision.action, decision.reason, decision.retry_at) == (
        "defer", "quiet hours", datetime(2026, 11, 24, 9, tzinfo=UTC))
    paris = MessagingPolicy(timezone="Europe/Paris")        # 22:30 UTC is 23:30 in Paris; 09:00 Paris = 08:00 UTC
    assert decide(message("review_request", late), ADA, paris, late).retry_at.astimezone(UTC) == datetime(
        2026, 11, 24, 8, tzinfo=UTC)
    assert decide(message("review_request"), ADA, paris, NOON).action == "send"
    subscribed = Recipient(email="a@b.c", consent="subscribed")
    assert decide(message("tier_at_risk", late), subscribed, POLICY, late).reason == "quiet hours"


@pytest.mark.parametrize("kind", ["points_earned", "reward_code", "welcome", "redemption_failed"])
def test_account_mail_goes_at_once_even_at_night(kind):
    late = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)
    assert decide(message(kind, late), ADA, POLICY, late).action == "send"


def test_the_cap_counts_review_and_marketing_together_and_exempts_transactional():
    to = Recipient(email="a@b.c", consent="subscribed",
                   recent_capped_sends=(NOON - timedelta(days=6), NOON - timedelta(days=1)))
    decision = decide(message("review_request"), to, POLICY, NOON)
    assert (decision.action, decision.reason, decision.retry_at) == ("defer", "frequency cap", NOON + timedelta(days=1))
    marketing = decide(message("tier_at_risk"), to, POLICY, NOON)
    assert marketing.retry_at == NOON + timedelta(days=1, hours=2)        # after the review request, by priority
    assert decide(message("points_earned"), to, POLICY, NOON).action == "send"
    old = Recipient(email="a@b.c", recent_capped_sends=(NOON - timedelta(days=8), NOON - timedelta(days=1)))
    assert decide(message("review_request"), old, POLICY, NOON).action == "send"


def test_a_message_held_past_its_useful_time_is_dropped_with_the_reason():
    to = Recipient(email="a@b.c", recent_capped_sends=(NOON, NOON))
    stale = decide(message("review_request", NOON - timedelta(days=20)), to, POLICY, NOON)
    assert (stale.action, stale.reason) == ("skip", "stale: held by the frequency cap past its useful time")
