"""Calling an outbound platform API: explicit timeouts, bounded retries with backoff, no secret in any message.

Each connector judges its own answers (what is final, what is worth waiting for); this module runs the loop.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from chalicelib.domain.errors import ConnectorUnavailable

Timeout = tuple[float, float]
DEFAULT_TIMEOUT: Timeout = (3.05, 10)
TRANSPORT_ERRORS = (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError)

# What a judge returns for an answer: None to take it, or the seconds to wait before asking again.
Judge = Callable[[requests.Response, int], float | None]


class Ambiguous:
    """Whether a call may have reached the platform without our seeing the answer (a timeout, a 5xx)."""

    def __init__(self) -> None:
        self.seen = False


def backoff(attempt: int, base: float = 0.5, cap: float = 8.0) -> float:
    return float(min(cap, base * 2**attempt))


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Retry-After in seconds (a number, or an HTTP date relative to the answer's Date), if present."""
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when, sent = parsedate_to_datetime(value), parsedate_to_datetime(headers.get("Date") or value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - sent).total_seconds())


def json_body(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def call(send: Callable[[], requests.Response], judge: Judge, sleep: Callable[[float], None], platform: str,
         attempts: int = 5, ambiguous: Ambiguous | None = None) -> requests.Response:
    """Send until the judge takes an answer; ConnectorUnavailable once `attempts` are used up."""
    last = "no answer"
    wait: float | None
    for attempt in range(attempts):
        try:
            response = send()
        except TRANSPORT_ERRORS as e:
            last, wait = type(e).__name__, backoff(attempt)
            if ambiguous is not None:
                ambiguous.seen = True
        else:
            wait = judge(response, attempt)
            if wait is None:
                return response
            last = f"HTTP {response.status_code}"
            if ambiguous is not None and response.status_code >= 500:
                ambiguous.seen = True
        if attempt + 1 < attempts:
            sleep(wait)
    raise ConnectorUnavailable(f"{platform} did not answer usefully after {attempts} attempts ({last})")
