"""Every error leaves the API as {"error": {"code", "message"}} with one status per error class."""
from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from datetime import UTC
from email.utils import format_datetime
from typing import Any

from chalice import BadRequestError, Response

from chalicelib import bootstrap
from chalicelib.domain.errors import (
    ConcurrentChange,
    Conflict,
    ConnectorRejected,
    ConnectorUnavailable,
    DailyLimitReached,
    DuplicateEntry,
    Forbidden,
    InsufficientPoints,
    InvalidPayload,
    InvalidRequest,
    InvalidSignature,
    LoyaltyError,
    MailRejected,
    MailUnavailable,
    NotFound,
    PayloadTooLarge,
    Retryable,
    TemporarilyUnavailable,
    Unauthorized,
)
from chalicelib.observability import logger

_STATUS: dict[type[LoyaltyError], int] = {
    InvalidSignature: 401,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    InvalidRequest: 400,
    InvalidPayload: 400,
    DuplicateEntry: 409,
    Conflict: 409,
    InsufficientPoints: 409,
    ConcurrentChange: 409,
    PayloadTooLarge: 413,
    ConnectorRejected: 502,
    MailRejected: 502,
    TemporarilyUnavailable: 503,
    ConnectorUnavailable: 503,
    MailUnavailable: 503,
    DailyLimitReached: 503,
    Retryable: 503,
}


def error_response(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> Response:
    fields: dict[str, str | list[str]] = {**(headers or {})}
    return Response(body={"error": {"code": code, "message": message}}, status_code=status, headers=fields)


def status_for(error: LoyaltyError) -> int:
    for cls in type(error).__mro__:
        if cls in _STATUS:
            return _STATUS[cls]
    return 400


def handles_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    """Map the error tree to responses in one place; anything else is a logged 500 without details."""
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except BadRequestError as e:            # Chalice's own: a body that is not valid JSON
            return error_response(400, "invalid_json", str(e) or "the body is not valid JSON")
        except LoyaltyError as e:
            status = status_for(e)
            return error_response(status, e.code, e.message, _error_headers(e))
        except Exception as e:
            if bootstrap.dependency_unavailable(e):   # botocore gave up: DynamoDB, SQS, … refused or did not answer
                logger.warning("dependency_unavailable", extra={"error": type(e).__name__})
                return error_response(503, "service_unavailable", "A service the API depends on did not answer; "
                                      "try again shortly.", {"Retry-After": "5"})
            logger.exception("unhandled_error")
            return error_response(500, "internal_error", "An internal error occurred.")
    return wrapper


def _error_headers(error: LoyaltyError) -> dict[str, str] | None:
    if isinstance(error, Unauthorized):
        return {"WWW-Authenticate": "Bearer"}
    if isinstance(error, TemporarilyUnavailable):
        return {"Retry-After": str(error.retry_after)}
    if isinstance(error, DailyLimitReached):
        return {"Retry-After": format_datetime(error.retry_at.astimezone(UTC), usegmt=True)}
    return None


def normalise_framework_errors(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """Chalice's own errors (unsupported media type, malformed JSON) use {"Code","Message"}: rewrite them."""
    response = get_response(event)
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and set(body) == {"Code", "Message"}:
        code = re.sub(r"(?<!^)(?=[A-Z])", "_", str(body["Code"])).lower().removesuffix("_error")
        return error_response(response.status_code, code, str(body["Message"]))
    return response
