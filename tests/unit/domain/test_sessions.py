"""Dashboard session tokens: signed under their own purpose, short-lived, strict about their shape."""
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain import sessions, surveys
from chalicelib.domain.errors import InvalidSignature
from chalicelib.domain.sessions import SessionClaim
from chalicelib.domain.surveys import NPS_SURVEY, SurveyClaim
from chalicelib.domain.tokens import MalformedToken, TokenExpired, TokenNotYetValid, pack

SECRET, OLD = b"s" * 32, b"o" * 32
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
DIGEST = "a" * 64


def claim(at=NOW):
    return sessions.claim_for("demo", "k_1", DIGEST, at)


def test_a_token_verifies_to_its_claim_and_lives_one_hour():
    token = sessions.sign(SECRET, claim())
    found = sessions.verify([SECRET], token, NOW + timedelta(minutes=59))
    assert found == SessionClaim("demo", "k_1", DIGEST, NOW, NOW + timedelta(hours=1))
    assert sessions.claimed_program(token) == "demo"
    with pytest.raises(TokenExpired):
        sessions.verify([SECRET], token, NOW + timedelta(hours=1))


def test_the_previous_secret_still_verifies_and_a_foreign_one_does_not():
    token = sessions.sign(OLD, claim())
    assert sessions.verify([SECRET, OLD], token, NOW).key_id == "k_1"
    with pytest.raises(InvalidSignature):
        sessions.verify([SECRET], token, NOW)


def test_a_token_from_the_future_is_refused():
    token = sessions.sign(SECRET, claim(NOW + timedelta(hours=1)))
    with pytest.raises(TokenNotYetValid):
        sessions.verify([SECRET], token, NOW)


def test_no_other_token_passes_for_a_session():
    survey = surveys.sign(SECRET, SurveyClaim("demo", "m_1", "s_1", NPS_SURVEY, 9, NOW))
    with pytest.raises(InvalidSignature):
        sessions.verify([SECRET], survey, NOW)


@pytest.mark.parametrize("fields", [
    [2, "demo", "k_1", DIGEST, 1, 2], [1, "demo", "k_1", "not-a-digest", 1, 2], [1, "demo", 7, DIGEST, 1, 2],
    [1, "demo", "k_1", DIGEST, 5, 5], [1, "demo", "k_1", DIGEST], "nope"])
def test_a_payload_that_is_not_a_session_is_malformed(fields):
    token = pack(SECRET, sessions.PURPOSE, fields if isinstance(fields, list) else [fields])
    with pytest.raises(MalformedToken):
        sessions.verify([SECRET], token, NOW)


def test_signing_needs_a_secret_and_a_digest():
    with pytest.raises(ValueError, match="needs a secret"):
        sessions.sign(b"", claim())
    with pytest.raises(ValueError, match="SHA-256"):
        sessions.sign(SECRET, SessionClaim("demo", "k_1", "key", NOW, NOW + timedelta(hours=1)))


@pytest.mark.parametrize(("header", "found"), [
    (None, None), ("", None), ("a=1", None), ("loyalty_session=", None), ("loyalty_session=abc.def", "abc.def"),
    ("theme=dark; loyalty_session=abc.def; x=1", "abc.def"), ('loyalty_session="abc.def"', "abc.def"),
    ("xloyalty_session=abc", None)])
def test_the_cookie_is_read_from_the_cookie_header(header, found):
    assert sessions.cookie_value(header) == found
