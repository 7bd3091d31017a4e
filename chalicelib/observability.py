"""The one Powertools logger (modules use `Logger(child=True)` or this object directly), and what every invocation
does around its handler: log lines carry the Lambda context, and what the invocation counted is published once."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools import Logger
from chalice import ConvertToMiddleware

if TYPE_CHECKING:
    from chalicelib.services.ports.metrics import Metrics

logger = Logger(service="loyalty")
with_lambda_context = ConvertToMiddleware(logger.inject_lambda_context)
Handler = TypeVar("Handler", bound=Callable[[Any], Any])


def publishes_metrics(metrics: Callable[[], Metrics]) -> Callable[[Any, Callable[[Any], Any]], Any]:
    """Chalice middleware for every event type: what an invocation counted is published once, when it ends (also
    when it fails). A failure to publish is logged and never changes the invocation's answer."""
    def middleware(event: Any, get_response: Callable[[Any], Any]) -> Any:
        try:
            return get_response(event)
        finally:
            try:
                metrics().flush()
            except Exception:
                logger.exception("metrics_not_published")
    return middleware


def observed(metrics: Callable[[], Metrics]) -> Callable[[Handler], Handler]:
    """For the worker's and the jobs' handlers what the app's middleware does for the API: on AWS each of them is
    entered from its own module (Chalice names a blueprint's handler after it), so the app's middleware never runs
    for them. The local stack enters them through the app, where that middleware is registered for HTTP only."""
    publish = publishes_metrics(metrics)

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def run(event: Any) -> Any:
            return with_lambda_context(event, lambda e: publish(e, handler))
        return run  # type: ignore[return-value]
    return decorate
