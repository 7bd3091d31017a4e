"""Survey links, scores and tallies: a link is signed for one member, survey, kind and score and for surveys only;
NPS and CSAT as their published definitions compute them."""
import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import surveys, tokens
from chalicelib.domain.errors import InvalidSignature
from chalicelib.domain.surveys import CSAT_SURVEY, NPS_SURVEY, SurveyClaim, SurveyRules, Tally
from chalicelib.domain.tokens import MalformedToken, TokenExpired, TokenNotYetValid

SECRET = b"survey-secret"
SENT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
MONTH = timedelta(days=30)


def claim(**fields):
    base = {"program_id": "demo", "member_id": "m_1", "survey_id": "msg_1", "kind": NPS_SURVEY, "score": 9,
            "issued_at": SENT}
    return SurveyClaim(**(base | fields))


def forged(token, **changes):
    """The token's payload with fields changed, under the original MAC."""
    payload, mac = token.split(".")
    fields = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    names = ["version", "program_id", "member_id", "survey_id", "kind", "score", "issued_at"]
    for name, value in changes.items():
        fields[names.index(name)] = value
    raw = base64.urlsafe_b64encode(json.dumps(fields, separators=(",", ":")).encode()).rstrip(b"=").decode()
    return f"{raw}.{mac}"


def test_a_link_verifies_to_its_own_claim_within_its_age_and_names_its_program():
    token = surveys.sign(SECRET, claim())
    assert surveys.verify(SECRET, token, SENT + MONTH, MONTH) == claim()
    assert surveys.verify([b"new-secret", SECRET], token, SENT, MONTH) == claim()      # during a rotation
    assert surveys.claimed_program(token) == "demo"
    assert "ada" not in base64.urlsafe_b64decode(token.split(".")[0] + "==").decode()  # ids only
    url = surveys.survey_url("https://loyalty.example.com/", token)
    assert url == f"https://loyalty.example.com/feedback/{token}"


@pytest.mark.parametrize("change", [{"member_id": "m_2"}, {"survey_id": "msg_2"}, {"program_id": "other"},
                                    {"score": 0}, {"kind": CSAT_SURVEY, "score": 5}])
def test_a_link_cannot_be_turned_into_another_members_survey_or_score(change):
    token = surveys.sign(SECRET, claim())
    with pytest.raises(InvalidSignature):
        surveys.verify(SECRET, forged(token, **change), SENT, MONTH)


def test_another_key_or_another_kind_of_signed_link_does_not_pass():
    token = surveys.sign(SECRET, claim())
    with pytest.raises(InvalidSignature):
        surveys.verify(b"another-program", token, SENT, MONTH)
    unsubscribe = tokens.sign(SECRET, "demo", "m_1", "feedback", SENT)
    with pytest.raises(InvalidSignature):
        surveys.verify(SECRET, unsubscribe, SENT, MONTH)
    with pytest.raises(InvalidSignature):                     # nor a survey link as an unsubscribe link
        tokens.verify(SECRET, token, SENT)


def test_an_old_link_has_expired_and_one_from_the_future_is_not_valid_yet():
    token = surveys.sign(SECRET, claim())
    with pytest.raises(TokenExpired):
        surveys.verify(SECRET, token, SENT + MONTH + timedelta(seconds=1), MONTH)
    with pytest.raises(TokenNotYetValid):
        surveys.verify(SECRET, token, SENT - timedelta(minutes=6), MONTH)


@given(st.text(max_size=200))
def test_anything_else_is_refused_as_a_signature_error_never_a_crash(text):
    with pytest.raises(InvalidSignature):
        surveys.verify(SECRET, text, SENT, MONTH)


def test_a_score_outside_the_kinds_scale_is_neither_signed_nor_read():
    with pytest.raises(ValueError, match="0 is not a score of csat_survey"):
        surveys.sign(SECRET, claim(kind=CSAT_SURVEY, score=0))
    with pytest.raises(ValueError, match="11 is not a score of nps_survey"):
        surveys.sign(SECRET, claim(score=11))
    payload = base64.urlsafe_b64encode(json.dumps([1, "demo", "m_1", "msg_1", NPS_SURVEY, 11, 0]).encode())
    with pytest.raises(MalformedToken):
        surveys.claimed_program(payload.rstrip(b"=").decode() + ".AAAA")


def test_categories_and_who_is_followed_up():
    assert [surveys.nps_category(s) for s in (0, 6, 7, 8, 9, 10)] == [
        "detractor", "detractor", "passive", "passive", "promoter", "promoter"]
    assert [s for s in range(11) if surveys.unhappy(NPS_SURVEY, s)] == [0, 1, 2, 3, 4, 5, 6]
    assert [s for s in range(1, 6) if surveys.unhappy(CSAT_SURVEY, s)] == [1, 2]


def test_nps_and_csat_follow_their_definitions():
    # 10 NPS answers: 4 promoters, 3 passives, 3 detractors → 40 % − 30 % = 10.
    nps = [10, 9, 9, 10, 7, 8, 8, 0, 6, 3]
    # 8 CSAT answers, 5 of them 4 or 5 → 62.5 %.
    csat = [5, 4, 4, 5, 4, 3, 2, 1]
    tally = Tally(nps_scores=nps, csat_scores=csat, sentiments=[0.5, -0.25, 0.0], delivered=72)
    assert (tally.nps, tally.csat, tally.responses) == (10.0, 62.5, 18)
    assert tally.response_rate == 0.25
    assert tally.mean_sentiment == round(0.25 / 3, 4)
    assert Tally(nps_scores=[0, 1], delivered=0).nps == -100.0
    empty = Tally()
    assert (empty.nps, empty.csat, empty.response_rate, empty.mean_sentiment) == (None, None, None, None)


def test_the_throttle_holds_a_person_for_its_window_whatever_the_kind():
    rules = SurveyRules(throttle_days=90)
    assert not surveys.throttled(None, SENT, rules)
    assert surveys.throttled(SENT, SENT + timedelta(days=90) - timedelta(seconds=1), rules)
    assert not surveys.throttled(SENT, SENT + timedelta(days=90), rules)


@pytest.mark.parametrize(("fields", "problem"), [
    ({"throttle_days": 0}, "throttle_days must be 1–730"), ({"token_days": 400}, "token_days must be 1–365"),
    ({"nps_after_orders": 0}, "nps_after_orders must be 1–100"),
    ({"nps_after_delivery_days": 91}, "nps_after_delivery_days must be 0–90")])
def test_survey_rules_refuse_settings_out_of_range(fields, problem):
    with pytest.raises(ValueError, match=problem):
        SurveyRules(**fields)
