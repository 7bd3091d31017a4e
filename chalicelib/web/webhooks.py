"""Webhook receivers: verify, check, enqueue, answer 200. The worker does the rest."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib import bootstrap
from chalicelib.observability import logger
from chalicelib.services.intake import accept_hubspot, accept_shopify
from chalicelib.web.errors import handles_errors

bp = Blueprint(__name__)

# Shopify sends application/json; the others are accepted so that a wrong header still gets a signature check
# (401) or a 400, never a framework error.
_CONTENT_TYPES = ["application/json", "text/plain", "application/octet-stream", "application/x-www-form-urlencoded"]


@bp.route("/webhooks/shopify", methods=["POST"], content_types=_CONTENT_TYPES)
@handles_errors
def shopify_webhook() -> dict[str, Any]:
    request = bp.current_request
    accepted = accept_shopify(request.headers, request.raw_body, bootstrap.get_directory(),
                              bootstrap.get_ingest_queue(), bootstrap.get_clock())
    logger.set_correlation_id(accepted.webhook_id)
    logger.info("webhook_accepted", extra={"topic": accepted.topic, "program_id": accepted.program_id})
    return {"status": "accepted"}


@bp.route("/webhooks/hubspot", methods=["POST"], content_types=_CONTENT_TYPES)
@handles_errors
def hubspot_webhook() -> dict[str, Any]:
    request = bp.current_request
    accepted = accept_hubspot(request.headers, request.raw_body, request.method, bootstrap.get_directory(),
                              bootstrap.get_ingest_queue(), bootstrap.get_clock())
    logger.info("hubspot_batch_accepted", extra={"queued": accepted.queued, "ignored": accepted.ignored,
                                                 "program_ids": list(accepted.program_ids)})
    return {"status": "accepted"}
