import os
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.errors import InvalidSignature
from chalicelib.domain.tokens import UnsubscribeClaim, sign, unsubscribe_url, verify

SECRET = b"current-secret"
PREVIOUS = b"previous-secret"
NOW = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
MEMBER = "m_" + "0f" * 32
CLAIM = UnsubscribeClaim("demo", MEMBER, "review", NOW)
TOKEN = sign(SECRET, "demo", MEMBER, "review", NOW)
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
CI = bool(os.environ.get("CI"))


def test_a_token_round_trips():
    assert verify(SECRET, TOKEN, NOW + timedelta(days=3)) == CLAIM


def test_a_token_is_one_url_safe_path_segment_holding_no_email_or_name():
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", TOKEN)
    url = unsubscribe_url("https://loyalty.demo.example/", TOKEN)
    assert url == f"https://loyalty.demo.example/unsubscribe/{TOKEN}"
    assert unsubscribe_url("https://loyalty.demo.example", TOKEN) == url


@pytest.mark.parametrize("index", range(len(TOKEN)))
def test_changing_any_character_fails(index):
    for replacement in {"A", "B", "-", "."} - {TOKEN[index]}:
        tampered = TOKEN[:index] + replacement + TOKEN[index + 1:]
        with pytest.raises(InvalidSignature):
            verify(SECRET, tampered, NOW)


@pytest.mark.parametrize("tampered", [TOKEN + "A", TOKEN[:-1], "A" + TOKEN, TOKEN + "=", TOKEN.replace(".", ".."),
                                      TOKEN.split(".")[0], "", ".", "abc", "a.b.c", "!!!!.####", TOKEN + "\n"])
def test_a_malformed_token_fails(tampered):
    with pytest.raises(InvalidSignature):
        verify(SECRET, tampered, NOW)


def test_a_token_signed_with_another_secret_fails():
    with pytest.raises(InvalidSignature):
        verify(b"someone-else", TOKEN, NOW)
    with pytest.raises(InvalidSignature):
        verify([], TOKEN, NOW)
    with pytest.raises(InvalidSignature):
        verify([b""], sign(b"x", "demo", MEMBER, "review", NOW)[:-1] + "A", NOW)


def test_the_previous_secret_is_accepted_during_rotation():
    old = sign(PREVIOUS, "demo", MEMBER, "review", NOW)
    assert verify([SECRET, PREVIOUS], old, NOW) == CLAIM
    assert verify([SECRET, PREVIOUS], TOKEN, NOW) == CLAIM
    with pytest.raises(InvalidSignature):
        verify([SECRET], old, NOW)


def test_an_expired_token_fails():
    assert verify(SECRET, TOKEN, NOW + timedelta(days=365)) == CLAIM
    with pytest.raises(InvalidSignature, match="expired"):
        verify(SECRET, TOKEN, NOW + timedelta(days=365, seconds=1))
    with pytest.raises(InvalidSignature, match="expired"):
        verify(SECRET, TOKEN, NOW + timedelta(days=31), max_age=timedelta(days=30))


def test_a_token_from_the_future_fails_beyond_clock_skew():
    assert verify(SECRET, TOKEN, NOW - timedelta(minutes=4)) == CLAIM
    with pytest.raises(InvalidSignature):
        verify(SECRET, TOKEN, NOW - timedelta(hours=1))


def test_signing_needs_a_secret_and_aware_times():
    with pytest.raises(ValueError, match="secret"):
        sign(b"", "demo", MEMBER, "review", NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        sign(SECRET, "demo", MEMBER, "review", datetime(2027, 3, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        verify(SECRET, TOKEN, datetime(2027, 3, 1))


def test_the_secret_is_the_only_key_a_forger_lacks():
    forged = sign(b"guess", "demo", "m_other", "marketing", NOW).split(".")[0] + "." + TOKEN.split(".")[1]
    with pytest.raises(InvalidSignature):
        verify(SECRET, forged, NOW)


moments = st.builds(
    lambda naive, minutes: naive.replace(tzinfo=timezone(timedelta(minutes=minutes))),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    st.integers(min_value=-1439, max_value=1439),
)


@settings(max_examples=300, deadline=None, derandomize=CI, **({"database": None} if CI else {}))
@given(secret=st.binary(min_size=1, max_size=64), program_id=st.text(), member_id=st.text(), category=st.text(),
       issued_at=moments)
def test_verify_inverts_sign_for_any_ids_and_categories(secret, program_id, member_id, category, issued_at):
    token = sign(secret, program_id, member_id, category, issued_at)
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", token)
    claim = verify(secret, token, issued_at)
    assert claim == UnsubscribeClaim(program_id, member_id, category, issued_at)
    assert claim.issued_at.utcoffset() == timedelta(0)
