"""GET /health: 200 when the API's dependencies answer (the table, the ingest queue), else 503 in the error shape."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib import bootstrap
from chalicelib.observability import logger
from chalicelib.web.errors import error_response

bp = Blueprint(__name__)


@bp.route("/health", methods=["GET"])
def health() -> Any:
    problems = bootstrap.get_health_probe().problems()
    if problems:
        logger.warning("health_check_failed", extra={"problems": problems})
        return error_response(503, "service_unavailable", "; ".join(problems), {"Retry-After": "5"})
    return {"status": "ok"}
