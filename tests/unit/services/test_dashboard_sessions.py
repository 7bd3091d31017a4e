"""Signing in to the dashboard: the key is checked as the admin API checks it; every later request checks the session
again, and the key behind it, so revoking the key ends the session at once."""
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from chalicelib.domain import sessions
from chalicelib.domain.errors import Forbidden, TemporarilyUnavailable, Unauthorized
from chalicelib.services import dashboard_sessions
from chalicelib.services.api_keys import key_hash
from chalicelib.services.ports.programs import ApiKey

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
READER = ApiKey("k_read", "demo", frozenset({"read"}))
OWNER = ApiKey("k_owner", "demo", frozenset({"owner"}))
NOBODY = ApiKey("k_none", "demo", frozenset({"nothing"}))


class Keys:
    def __init__(self, **keys):
        self.keys = {key_hash(plain): key for plain, key in keys.items()}

    def find(self, digest):
        return self.keys.get(digest)

    def revoke(self, plain):
        self.keys[key_hash(plain)] = replace(self.keys[key_hash(plain)], revoked_at=NOW)


class Directory:
    def __init__(self, secrets=(b"s" * 32,), setup=None):
        self.secrets, self.setup = tuple(secrets), setup or {}

    def programs(self):
        return ["demo"]

    def messaging(self, program_id):
        return SimpleNamespace(unsubscribe_secrets=self.secrets)

    def api_key(self, digest):
        return self.setup.get(digest)


@pytest.fixture
def keys():
    return Keys(reader=READER, owner=OWNER, nobody=NOBODY)


def test_a_read_key_signs_in_and_its_session_stands_for_it(keys):
    session = dashboard_sessions.sign_in(" reader ", keys, Directory(), NOW)
    assert session.key == READER
    assert session.expires_at == NOW + timedelta(hours=1)
    assert "reader" not in session.token
    assert key_hash("reader") in sessions.payload_of(session.token).decode()
    assert dashboard_sessions.session_key(session.token, keys, Directory(), NOW + timedelta(minutes=30)) == READER


def test_an_owner_key_signs_in_too(keys):
    token = dashboard_sessions.sign_in("owner", keys, Directory(), NOW).token
    assert dashboard_sessions.session_key(token, keys, Directory(), NOW) == OWNER


def test_the_setup_key_in_the_directory_signs_in():
    setup = ApiKey("k_setup", "demo", frozenset({"owner"}))
    directory = Directory(setup={key_hash("local-admin-key"): setup})
    token = dashboard_sessions.sign_in("local-admin-key", Keys(), directory, NOW).token
    assert dashboard_sessions.session_key(token, Keys(), directory, NOW) == setup


@pytest.mark.parametrize("plain", [None, "", "  ", "wrong"])
def test_no_key_or_an_unknown_key_is_unauthorized(keys, plain):
    with pytest.raises(Unauthorized):
        dashboard_sessions.sign_in(plain, keys, Directory(), NOW)


def test_a_key_without_the_read_scope_is_forbidden(keys):
    with pytest.raises(Forbidden):
        dashboard_sessions.sign_in("nobody", keys, Directory(), NOW)


def test_a_revoked_key_signs_in_no_more_and_its_session_ends_at_once(keys):
    token = dashboard_sessions.sign_in("reader", keys, Directory(), NOW).token
    keys.revoke("reader")
    with pytest.raises(Unauthorized) as e:
        dashboard_sessions.session_key(token, keys, Directory(), NOW)
    assert e.value.code == "session_revoked"
    with pytest.raises(Unauthorized):
        dashboard_sessions.sign_in("reader", keys, Directory(), NOW)


def test_a_session_expires_after_an_hour(keys):
    token = dashboard_sessions.sign_in("reader", keys, Directory(), NOW).token
    with pytest.raises(Unauthorized) as e:
        dashboard_sessions.session_key(token, keys, Directory(), NOW + timedelta(hours=1, seconds=1))
    assert e.value.code == "session_expired"


@pytest.mark.parametrize("token", ["", "garbage", "a.b", "x" * 40 + "." + "y" * 43])
def test_a_token_we_did_not_sign_is_unauthorized(keys, token):
    with pytest.raises(Unauthorized) as e:
        dashboard_sessions.session_key(token, keys, Directory(), NOW)
    assert e.value.code == "session_invalid"


def test_a_token_signed_with_another_secret_or_naming_another_program_is_unauthorized(keys):
    forged = sessions.sign(b"x" * 32, sessions.claim_for("demo", "k_read", key_hash("reader"), NOW))
    elsewhere = sessions.sign(b"s" * 32, sessions.claim_for("other", "k_read", key_hash("reader"), NOW))
    for token in (forged, elsewhere):
        with pytest.raises(Unauthorized):
            dashboard_sessions.session_key(token, keys, Directory(), NOW)


def test_a_token_naming_another_key_id_than_the_stored_key_is_unauthorized(keys):
    token = sessions.sign(b"s" * 32, sessions.claim_for("demo", "k_other", key_hash("reader"), NOW))
    with pytest.raises(Unauthorized):
        dashboard_sessions.session_key(token, keys, Directory(), NOW)


def test_a_key_that_lost_every_scope_ends_its_session(keys):
    token = dashboard_sessions.sign_in("reader", keys, Directory(), NOW).token
    keys.keys[key_hash("reader")] = replace(READER, scopes=frozenset())
    with pytest.raises(Unauthorized):
        dashboard_sessions.session_key(token, keys, Directory(), NOW)


def test_a_program_without_a_signing_secret_is_unavailable(keys):
    with pytest.raises(TemporarilyUnavailable):
        dashboard_sessions.sign_in("reader", keys, Directory(secrets=()), NOW)
