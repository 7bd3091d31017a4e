"""Signing in to the dashboard with an API key, and the session that follows (domain/sessions.py).

Signing in checks the key exactly as the admin API does (read scope) and answers a session token: the key itself
never reaches the browser again. Every request with a session checks its signature and age, then finds the key again
by its hash, so a revoked key (or one that lost the read scope) ends its sessions at once. Sessions only ever stand
for the read scope: the web layer accepts them on GET requests alone.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain import sessions
from chalicelib.domain.errors import InvalidSignature, TemporarilyUnavailable, Unauthorized
from chalicelib.domain.tokens import TokenExpired, UnknownProgram
from chalicelib.services import api_keys
from chalicelib.services.api_keys import ApiKeyStore
from chalicelib.services.ports.programs import ApiKey, ProgramDirectory

SCOPE = "read"
_SIGNED_OUT = "your dashboard session has ended: sign in again"


@dataclass(frozen=True)
class Session:
    key: ApiKey
    token: str
    expires_at: datetime


def sign_in(api_key: str | None, store: ApiKeyStore, directory: ProgramDirectory, now: datetime) -> Session:
    """A session for a key that grants the read scope: Unauthorized (no key, unknown or revoked), Forbidden."""
    if not api_key or not api_key.strip():
        raise Unauthorized("enter an API key")
    key = api_keys.authenticate(f"Bearer {api_key.strip()}", SCOPE, store, directory)
    claim = sessions.claim_for(key.program_id, key.key_id, api_keys.key_hash(api_key.strip()), now)
    secrets = directory.messaging(key.program_id).unsubscribe_secrets
    if not secrets:
        raise TemporarilyUnavailable("the program has no signing secret configured yet")
    secret = secrets[0]
    return Session(key, sessions.sign(secret, claim), claim.expires_at)


def session_key(token: str, store: ApiKeyStore, directory: ProgramDirectory, now: datetime) -> ApiKey:
    """The key a session token stands for, checked again now: Unauthorized for a token we did not sign, one that
    expired, or whose key is gone, revoked or no longer grants the read scope."""
    try:
        claim = _verified(token, directory, now)
    except InvalidSignature as e:
        code = "session_expired" if isinstance(e, TokenExpired) else "session_invalid"
        raise Unauthorized(_SIGNED_OUT, code=code) from e
    key = store.find(claim.key_sha256) or directory.api_key(claim.key_sha256)
    if key is None or key.revoked_at is not None or (key.key_id, key.program_id) != (claim.key_id, claim.program_id):
        raise Unauthorized(_SIGNED_OUT, code="session_revoked")
    if not any(scope in api_keys.SCOPES for scope in key.scopes):       # every scope grants read
        raise Unauthorized(_SIGNED_OUT, code="session_revoked")
    return key


def _verified(token: str, directory: ProgramDirectory, now: datetime) -> sessions.SessionClaim:
    program_id = sessions.claimed_program(token)
    if program_id not in directory.programs():
        raise UnknownProgram("the session names no program of ours")
    return sessions.verify(list(directory.messaging(program_id).unsubscribe_secrets), token, now)
