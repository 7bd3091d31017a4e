"""The admin API of the program's figures (analytics)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalice import Blueprint

from chalicelib import bootstrap
from chalicelib.web.auth import caller
from chalicelib.web.errors import handles_errors

bp = Blueprint(__name__)


@bp.route("/admin/analytics/cohorts", methods=["GET"])
@handles_errors
def cohorts() -> dict[str, Any]:
    """Monthly cohorts by first order, from the last nightly run: the share ordering in each following month."""
    from chalicelib.services import analytics
    from chalicelib.web.shapes.analytics import cohorts_body
    from chalicelib.web.wire import answer

    key = caller(bp, "read")
    query: Mapping[str, str] = bp.current_request.query_params or {}
    as_of, found = analytics.cohort_table(key.program_id, query.get("from"), query.get("to"),
                                          bootstrap.get_journey_store())
    return answer(cohorts_body(as_of, found))


@bp.route("/admin/analytics/summary", methods=["GET"])
@handles_errors
def summary() -> dict[str, Any]:
    """The program's figures for a period (`from`, `to`: dates, inclusive; default the last 30 days), the period
    before it, and each day's series: live from the ledger's day counters, members from the nightly run."""
    from chalicelib.services import analytics
    from chalicelib.web.shapes.analytics import summary_body
    from chalicelib.web.wire import answer

    key = caller(bp, "read")
    query: Mapping[str, str] = bp.current_request.query_params or {}
    return answer(summary_body(analytics.summary(key.program_id, query.get("from"), query.get("to"),
                                                 bootstrap.get_clock().now(), bootstrap.get_analytics())))
