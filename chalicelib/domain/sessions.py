"""Dashboard sessions: a signed, short-lived claim that the holder signed in with one of the program's API keys.

A session token is `<payload>.<mac>` as the other tokens of domain/tokens.py, signed under a purpose label of its own
(so no unsubscribe, survey or click token can pass for one). The payload is a JSON array `[1, program_id, key_id,
key_sha256, issued_at, expires_at]` (times in epoch microseconds). It names the key by id and by the SHA-256 the key
store finds it under, never the key itself: a hash cannot be presented as a key (the API hashes what it is sent), and
it lets every request look the key up again, so that revoking the key ends its sessions at once.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.tokens import (
    MalformedToken,
    TokenExpired,
    micros_of,
    moment_of,
    pack,
    payload_of,
    verified,
)

VERSION = 1
PURPOSE = b"loyalty-dashboard-session-v1."
LIFETIME = timedelta(hours=1)
COOKIE = "loyalty_session"
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class SessionClaim:
    program_id: str
    key_id: str
    key_sha256: str
    issued_at: datetime
    expires_at: datetime


def claim_for(program_id: str, key_id: str, key_sha256: str, now: datetime,
              lifetime: timedelta = LIFETIME) -> SessionClaim:
    return SessionClaim(program_id, key_id, key_sha256, now, now + lifetime)


def sign(secret: bytes, claim: SessionClaim) -> str:
    if not secret:
        raise ValueError("a session token needs a secret")
    if not _SHA256.fullmatch(claim.key_sha256):
        raise ValueError("key_sha256 must be a SHA-256 hex digest")
    return pack(secret, PURPOSE, [VERSION, claim.program_id, claim.key_id, claim.key_sha256,
                                  micros_of(claim.issued_at), micros_of(claim.expires_at)])


def verify(secret: bytes | list[bytes], token: str, now: datetime) -> SessionClaim:
    """The claim when a configured secret (current, then previous) signed the token and it has not expired:
    InvalidSignature (forged, or another kind of token), MalformedToken, TokenExpired or TokenNotYetValid."""
    claim = verified(secret, PURPOSE, token, now, LIFETIME, "dashboard session", _claim)
    if now >= claim.expires_at:
        raise TokenExpired("dashboard session has expired")
    return claim


def claimed_program(token: str) -> str:
    """The program a token names, UNVERIFIED: only to choose whose keys then verify it."""
    return _claim(payload_of(token)).program_id


def cookie_value(cookie_header: str | None) -> str | None:
    """The session token in a `Cookie:` header (the first `loyalty_session=`), else None."""
    for part in (cookie_header or "").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name == COOKIE and value:
            return value.strip().strip('"')
    return None


def _claim(raw: bytes) -> SessionClaim:
    try:
        version, program_id, key_id, key_sha256, issued, expires = json.loads(raw)
    except (ValueError, TypeError) as e:
        raise MalformedToken("malformed dashboard session") from e
    texts = all(isinstance(v, str) for v in (program_id, key_id, key_sha256))
    if version != VERSION or not texts or type(issued) is not int or type(expires) is not int \
            or not _SHA256.fullmatch(key_sha256) or expires <= issued:
        raise MalformedToken("malformed dashboard session")
    return SessionClaim(program_id, key_id, key_sha256, moment_of(issued, "dashboard session"),
                        moment_of(expires, "dashboard session"))
