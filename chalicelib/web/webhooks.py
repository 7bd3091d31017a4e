"""Webhook receivers: verify, check, enqueue, answer 200. The worker does the rest."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from chalice import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.observability import logger
from chalicelib.services.ports.metrics import WEBHOOKS_ACCEPTED, WEBHOOKS_REFUSED
from chalicelib.web.errors import handles_errors
from chalicelib.web.inputs import raw_body

bp = Blueprint(__name__)

# Shopify sends application/json; the others are accepted so that a wrong header still gets a signature check
# (401) or a 400, never a framework error.
_CONTENT_TYPES = ["application/json", "text/plain", "application/octet-stream", "application/x-www-form-urlencoded"]


def counts_refusals(source: str) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """A refused request is counted by the error code it is answered with (the contract's codes: a fixed set)."""
    def decorate(view: Callable[[], Any]) -> Callable[[], Any]:
        @functools.wraps(view)
        def counted() -> Any:
            answer = view()
            if isinstance(answer, Response) and answer.status_code >= 400:
                code = answer.body.get("error", {}).get("code") if isinstance(answer.body, dict) else None
                bootstrap.get_metrics().count(WEBHOOKS_REFUSED, source=source, reason=str(code or answer.status_code))
            return answer
        return counted
    return decorate


@bp.route("/webhooks/shopify", methods=["POST"], content_types=_CONTENT_TYPES)
@counts_refusals("shopify")
@handles_errors
def shopify_webhook() -> dict[str, Any]:
    from chalicelib.services.intake import accept_shopify

    request = bp.current_request
    accepted = accept_shopify(request.headers, raw_body(bp), bootstrap.get_directory(),
                              bootstrap.get_ingest_queue(), bootstrap.get_clock(), bootstrap.get_formats())
    logger.set_correlation_id(accepted.webhook_id)
    logger.info("webhook_accepted", extra={"topic": accepted.topic, "program_id": accepted.program_id})
    bootstrap.get_metrics().count(WEBHOOKS_ACCEPTED, source="shopify")
    return {"status": "accepted"}


@bp.route("/webhooks/hubspot", methods=["POST"], content_types=_CONTENT_TYPES)
@counts_refusals("hubspot")
@handles_errors
def hubspot_webhook() -> dict[str, Any]:
    from chalicelib.services.intake import accept_hubspot

    request = bp.current_request
    accepted = accept_hubspot(request.headers, raw_body(bp), request.method, bootstrap.get_directory(),
                              bootstrap.get_ingest_queue(), bootstrap.get_clock(), bootstrap.get_formats())
    logger.info("hubspot_batch_accepted", extra={"queued": accepted.queued, "ignored": accepted.ignored,
                                                 "program_ids": list(accepted.program_ids)})
    bootstrap.get_metrics().count(WEBHOOKS_ACCEPTED, accepted.queued, source="hubspot")
    return {"status": "accepted"}
