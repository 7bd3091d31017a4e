"""Tracked links: which sites campaign mail may link to, and the signed click tokens of `GET /r/{token}`.

A link may lead to the program's store, to the API's own pages and to the domains the program configures
(`link_domains`), each with its subdomains: `https://` only, no user name or password, no port but 443, no
backslash, spaces or control characters (browsers read `\\` as `/`, so `https://shop.example.com\\@evil.com` would
not go where it seems). Anything else is refused when a campaign is defined and left untracked (its text only) when
a message is composed. The redirect checks the target again against the program's current hosts: a domain removed
from the config stops redirecting at once (no open redirect, ever).

A click token is `<payload>.<mac>` (domain/tokens.py), the payload a JSON array
`[1, program_id, member_id, message_id, enrollment, url, issued_at in epoch microseconds]` signed under a purpose
label of its own, so no unsubscribe, survey or other signed value passes for one. It holds ids and the merchant's
URL, never an email or a name.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, urlsplit

from chalicelib.domain.errors import NotFound
from chalicelib.domain.tokens import MalformedToken, micros_of, moment_of, pack, payload_of, verified

VERSION = 1
PURPOSE = b"loyalty-click-v1."
MAX_AGE = timedelta(days=180)
MAX_URL = 2000
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*")
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")
_KEEP = "!#$%&'()*+,-./:;=?@[]_~"            # characters quote() leaves: the URL's own syntax and escapes


class LinkRetired(NotFound):
    """A signed link whose site is no longer one the program links to (the link page answers 410)."""

    code = "link_retired"


@dataclass(frozen=True)
class ClickClaim:
    program_id: str
    member_id: str
    message_id: str
    enrollment: str            # the campaign enrollment the mail belongs to ("" for none)
    url: str
    issued_at: datetime


def host_of(url: str | None) -> str | None:
    """The lower-case host of an absolute URL (None when there is none)."""
    try:
        host = urlsplit(url or "").hostname
    except ValueError:
        return None
    return host.rstrip(".") if host else None


def allowed_hosts(store_url: str | None, public_url: str, link_domains: Iterable[str]) -> frozenset[str]:
    """The hosts a program's mail may link to (each with its subdomains): the store's, the API's own and the
    configured link domains. Entries that are not host names of two labels or more are left out."""
    hosts = {host_of(store_url), host_of(public_url), *(str(d).strip().lower().rstrip(".") for d in link_domains)}
    return frozenset(h for h in hosts if h and "." in h and _HOST.fullmatch(h))


def normalise(url: str) -> str:
    """Characters outside ASCII percent-encoded (UTF-8), as a browser sends them; the rest as written."""
    return quote(url, safe=_KEEP + "%") if isinstance(url, str) else url


def host_allowed(url: str, hosts: frozenset[str]) -> bool:
    return _problem(url, hosts) is None


def link_problems(url: object, hosts: frozenset[str], at: str) -> list[str]:
    """What makes `url` unusable as a link of the program's mail, each message prefixed with `at`."""
    problem = _problem(url, hosts)
    return [f"{at}: {problem}"] if problem else []


def _problem(url: object, hosts: frozenset[str]) -> str | None:
    if not isinstance(url, str) or not url:
        return "must be a link (https://…)"
    if len(url) > MAX_URL:
        return f"must be at most {MAX_URL} characters"
    if _UNSAFE.search(url):
        return "must not contain spaces, control characters or backslashes"
    try:
        parts = urlsplit(normalise(url))
        port = parts.port
    except ValueError:
        return "is not a valid link"
    if parts.scheme.lower() != "https":
        return "must start with https://"
    if "@" in parts.netloc:
        return "must not carry a user name or password"
    if port not in (None, 443):
        return "must not name a port"
    host = (parts.hostname or "").rstrip(".")
    if not _HOST.fullmatch(host):
        return "must name a host"
    if not any(host == allowed or host.endswith("." + allowed) for allowed in hosts):
        return f"leads to {host}, which is not the store, the API or one of the program's link_domains"
    return None


def sign(secret: bytes, claim: ClickClaim) -> str:
    """The token of one tracked link (issued when the mail is composed)."""
    if not secret:
        raise ValueError("a click token needs a secret")
    return pack(secret, PURPOSE, [VERSION, claim.program_id, claim.member_id, claim.message_id, claim.enrollment,
                                  claim.url, micros_of(claim.issued_at)])


def verify(secret: bytes | list[bytes], token: str, now: datetime, max_age: timedelta = MAX_AGE) -> ClickClaim:
    """The claim when a configured secret (current, then previous) signed the token and it is not too old:
    InvalidSignature (forged, or another kind of token), MalformedToken, TokenExpired or TokenNotYetValid."""
    return verified(secret, PURPOSE, token, now, max_age, "link", _claim)


def claimed_program(token: str) -> str:
    """The program a token names, UNVERIFIED: only to choose whose keys then verify it."""
    return _claim(payload_of(token)).program_id


def click_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/r/{token}"


def _claim(raw: bytes) -> ClickClaim:
    try:
        version, program_id, member_id, message_id, enrollment, url, micros = json.loads(raw)
    except (ValueError, TypeError) as e:
        raise MalformedToken("malformed link") from e
    texts = all(isinstance(v, str) for v in (program_id, member_id, message_id, enrollment, url))
    if version != VERSION or not texts or type(micros) is not int:
        raise MalformedToken("malformed link")
    return ClickClaim(program_id, member_id, message_id, enrollment, url, moment_of(micros, "link"))
