"""Signed unsubscribe tokens: opaque, URL-safe (one path segment), HMAC-SHA256, checked in constant time.

A token is `<payload>.<mac>`, both unpadded base64url. The payload is a JSON array
`[1, program_id, member_id, category, issued_at in epoch microseconds]`: ids only, never an email or a name.
The MAC covers a purpose label and the encoded payload, so no other signed value can pass for a token.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar
from urllib.parse import quote

from chalicelib.domain.errors import InvalidSignature

VERSION = 1
PURPOSE = b"loyalty-unsubscribe-v1."
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
FUTURE_SKEW = timedelta(minutes=5)
_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")


class MalformedToken(InvalidSignature):
    """Not a token at all: wrong shape, bad encoding, a payload that is not ours."""

    code = "malformed_token"


class TokenExpired(InvalidSignature):
    """Signed by us, but older than it may be."""

    code = "token_expired"


class TokenNotYetValid(InvalidSignature):
    """Signed by us, but issued later than now (beyond clock skew)."""

    code = "token_not_yet_valid"


class UnknownProgram(InvalidSignature):
    """Names a program this deployment does not have, so no key of ours can have signed it."""

    code = "unknown_program"


@dataclass(frozen=True)
class UnsubscribeClaim:
    program_id: str
    member_id: str
    category: str
    issued_at: datetime


def sign(secret: bytes, program_id: str, member_id: str, category: str, issued_at: datetime) -> str:
    if not secret:
        raise ValueError("an unsubscribe token needs a secret")
    return pack(secret, PURPOSE, [VERSION, program_id, member_id, category, micros_of(issued_at)])


def verify(secret: bytes | list[bytes], token: str, now: datetime,
           max_age: timedelta = timedelta(days=365)) -> UnsubscribeClaim:
    """The claim when a configured secret (current, then previous) signed the token and it is not too old."""
    return verified(secret, PURPOSE, token, now, max_age, "unsubscribe token", _claim)


class Issued(Protocol):
    @property
    def issued_at(self) -> datetime: ...


Claim = TypeVar("Claim", bound=Issued)


def verified(secret: bytes | list[bytes], purpose: bytes, token: str, now: datetime, max_age: timedelta, what: str,
             claim: Callable[[bytes], Claim]) -> Claim:
    """What `claim` reads from the payload, when a configured secret (current, then previous) signed the token for
    this purpose and it is not too old: InvalidSignature (forged, or another kind of token), MalformedToken,
    TokenExpired or TokenNotYetValid."""
    found = claim(unpack(secret, purpose, token, what))
    check_age(found.issued_at, now, max_age, what)
    return found


def pack(secret: bytes, purpose: bytes, fields: list[object]) -> str:
    """`<payload>.<mac>`: the fields as a JSON array, signed under a purpose label of their own."""
    payload = _encode(json.dumps(fields, separators=(",", ":")).encode())
    return f"{payload}.{_encode(_mac(secret, payload, purpose))}"


def unpack(secret: bytes | list[bytes], purpose: bytes, token: str, what: str) -> bytes:
    """The payload's bytes when a configured secret (current, then previous) signed it for this purpose."""
    secrets = [secret] if isinstance(secret, bytes) else list(secret)
    payload, mac = _split(token)
    if not any(hmac.compare_digest(_mac(s, payload, purpose), mac) for s in secrets if s):
        raise InvalidSignature(f"{what} does not match")
    return _decode(payload)


def payload_of(token: str) -> bytes:
    """The payload's bytes, UNVERIFIED: only to choose whose keys then verify it."""
    return _decode(_split(token)[0])


def micros_of(moment: datetime) -> int:
    return (_aware(moment, "issued_at") - EPOCH) // MICROSECOND


def moment_of(micros: int, what: str) -> datetime:
    try:
        return EPOCH + micros * MICROSECOND
    except OverflowError as e:
        raise MalformedToken(f"malformed {what}") from e


def check_age(issued_at: datetime, now: datetime, max_age: timedelta, what: str) -> None:
    age = _aware(now, "now") - issued_at
    if age > max_age:
        raise TokenExpired(f"{what} has expired")
    if age < -FUTURE_SKEW:
        raise TokenNotYetValid(f"{what} is not valid yet")


def claimed_program(token: str) -> str:
    """The program a token names, UNVERIFIED: only to choose whose keys then verify it."""
    return _claim(payload_of(token)).program_id


def unsubscribe_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/unsubscribe/{quote(token, safe='')}"


def _mac(secret: bytes, payload: str, purpose: bytes = PURPOSE) -> bytes:
    return hmac.new(secret, purpose + payload.encode("ascii"), hashlib.sha256).digest()


def _split(token: str) -> tuple[str, bytes]:
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 2 or not _SEGMENT.fullmatch(parts[0]):
        raise MalformedToken("malformed token")
    return parts[0], _decode(parts[1])


def _claim(raw: bytes) -> UnsubscribeClaim:
    try:
        version, program_id, member_id, category, micros = json.loads(raw)
    except (ValueError, TypeError) as e:
        raise MalformedToken("malformed unsubscribe token") from e
    texts = all(isinstance(v, str) for v in (program_id, member_id, category))
    if version != VERSION or not texts or type(micros) is not int:
        raise MalformedToken("malformed unsubscribe token")
    return UnsubscribeClaim(program_id, member_id, category, moment_of(micros, "unsubscribe token"))


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    """Strict: the base64url alphabet only, and the one canonical spelling of the bytes (no spare bits set)."""
    if not _SEGMENT.fullmatch(text):
        raise MalformedToken("malformed unsubscribe token")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as e:
        raise MalformedToken("malformed unsubscribe token") from e
    if _encode(raw) != text:
        raise MalformedToken("malformed unsubscribe token")
    return raw


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return moment
