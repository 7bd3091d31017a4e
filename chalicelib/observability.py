"""The one Powertools logger (modules use `Logger(child=True)` or this object directly), and the middleware that
publishes each invocation's metrics."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

if TYPE_CHECKING:
    from chalicelib.services.ports.metrics import Metrics

logger = Logger(service="loyalty")


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
