"""The error tree leaves the API with one status per class, the class's code (or the raiser's), and retry hints."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import EndpointConnectionError

from chalicelib.domain import errors
from chalicelib.web.errors import handles_errors, status_for


def answer(error: Exception):
    @handles_errors
    def view():
        raise error
    return view()


@pytest.mark.parametrize(("error", "status", "code"), [
    (errors.InvalidRequest("no"), 400, "invalid_request"),
    (errors.InvalidRequest("no", code="invalid_query"), 400, "invalid_query"),
    (errors.Conflict("taken", code="version_exists"), 409, "version_exists"),
    (errors.ConcurrentChange("moved"), 409, "concurrent_change"),
    (errors.InsufficientPoints("short"), 409, "insufficient_points"),
    (errors.ConnectorRejected("bad token"), 502, "connector_rejected"),
    (errors.MailRejected("unverified sender"), 502, "mail_rejected"),
    (errors.ConnectorUnavailable("timeouts"), 503, "connector_unavailable"),
    (errors.MailUnavailable("throttled"), 503, "mail_unavailable"),
    (errors.TemporarilyUnavailable("SSM throttled"), 503, "service_unavailable"),
    (errors.PayloadTooLarge("10 MiB at most"), 413, "payload_too_large"),
])
def test_each_error_answers_its_status_and_code(error, status, code):
    response = answer(error)
    assert (response.status_code, response.body["error"]["code"]) == (status, code)
    assert status_for(error) == status


def test_errors_worth_trying_again_are_retryable_and_answers_are_not():
    retryable = {errors.TemporarilyUnavailable, errors.ConnectorUnavailable, errors.MailUnavailable,
                 errors.DailyLimitReached, errors.ConcurrentChange}
    final = {errors.ConnectorRejected, errors.MailRejected, errors.InvalidRequest, errors.InvalidPayload,
             errors.Conflict, errors.NotFound, errors.DuplicateEntry}
    assert all(issubclass(cls, errors.Retryable) for cls in retryable)
    assert not any(issubclass(cls, errors.Retryable) for cls in final)


def test_the_daily_limit_is_a_503_that_says_when_to_come_back():
    midnight = datetime(2026, 5, 2, tzinfo=timezone(timedelta(hours=2)))
    response = answer(errors.DailyLimitReached("HubSpot's daily API limit is reached", retry_at=midnight))
    assert (response.status_code, response.body["error"]["code"]) == (503, "daily_limit_reached")
    assert response.headers["Retry-After"] == "Fri, 01 May 2026 22:00:00 GMT"


def wrapped(cause: Exception) -> Exception:
    try:
        raise cause
    except Exception as e:
        try:
            raise RuntimeError("the parameter could not be read") from e
        except RuntimeError as outer:
            return outer


@pytest.mark.parametrize("error", [EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
                                   wrapped(EndpointConnectionError(endpoint_url="http://127.0.0.1:1"))],
                         ids=["botocore's own", "raised from botocore's"])
def test_a_dependency_that_did_not_answer_is_a_503_with_retry_after(error):
    response = answer(error)
    assert (response.status_code, response.body["error"]["code"]) == (503, "service_unavailable")
    assert response.headers["Retry-After"] == "5"


def test_a_fault_is_a_500_without_details():
    response = answer(KeyError("secret detail"))
    assert response.status_code == 500
    assert response.body == {"error": {"code": "internal_error", "message": "An internal error occurred."}}
