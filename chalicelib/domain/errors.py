"""One error tree for the whole engine; web/errors.py maps each class to one HTTP status.

Each class names its default `code` once; a raiser may give a more precise one (`code="invalid_query"`).
`Retryable` errors say the same call may succeed later (a dependency did not answer, a limit resets, the record
moved meanwhile): callers retry those and treat every other `LoyaltyError` as an answer.
"""
from datetime import datetime


class LoyaltyError(Exception):
    """Base of every error the engine raises on purpose."""

    code = "loyalty_error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class Retryable(LoyaltyError):
    """Not an answer: the same call may succeed if tried again later."""

    code = "service_unavailable"


class InvalidSignature(LoyaltyError):
    code = "invalid_signature"


class Unauthorized(LoyaltyError):
    code = "unauthorized"


class InvalidRequest(LoyaltyError):
    """The request is malformed: a missing header, a body that is not what the endpoint takes."""

    code = "invalid_request"


class PayloadTooLarge(LoyaltyError):
    """The request body is larger than the endpoint takes."""

    code = "payload_too_large"


class TemporarilyUnavailable(Retryable):
    """A dependency (SSM, Secrets Manager) failed or throttled: not an answer, so try again after `retry_after` s."""

    def __init__(self, message: str, retry_after: int = 10) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class InvalidPayload(LoyaltyError):
    """A platform payload lacks a field the engine needs or holds a value of the wrong kind."""

    code = "invalid_payload"


class NotFound(LoyaltyError):
    code = "not_found"


class DuplicateEntry(LoyaltyError):
    """The business fact behind a ledger entry was already recorded; callers treat it as success."""

    code = "duplicate_entry"


class Forbidden(LoyaltyError):
    code = "insufficient_scope"


class ConcurrentChange(Retryable):
    """Someone changed the record between read and write; read again and retry."""

    code = "concurrent_change"


class MailRejected(LoyaltyError):
    """The mail provider refused the message for good (bad address, unverified sender)."""

    code = "mail_rejected"


class MailUnavailable(Retryable):
    """The mail provider could not take the message now (throttling, outage): try again later."""

    code = "mail_unavailable"


class Conflict(LoyaltyError):
    """The request contradicts what is recorded (an idempotency key reused with another body)."""

    code = "conflict"


class InsufficientPoints(LoyaltyError):
    code = "insufficient_points"


class ConnectorUnavailable(Retryable):
    """An outbound platform (HubSpot, Shopify) could not take the call now (outage, timeouts, throttling)."""

    code = "connector_unavailable"


class ConnectorRejected(LoyaltyError):
    """An outbound platform refused the call for good (bad token, missing scope, invalid input)."""

    code = "connector_rejected"


class DailyLimitReached(Retryable):
    """HubSpot's daily API limit is used up: no call to it before `retry_at`."""

    code = "daily_limit_reached"

    def __init__(self, message: str, retry_at: datetime) -> None:
        super().__init__(message)
        self.retry_at = retry_at
