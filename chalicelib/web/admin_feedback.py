"""The admin API of survey answers: the listing (JSON, and CSV like the other exports) and the summary per group."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from chalice import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.web.auth import caller, query
from chalicelib.web.cursors import opened, sealed
from chalicelib.web.errors import handles_errors

if TYPE_CHECKING:
    from chalicelib.services.feedback_reports import ResponsesPage

bp = Blueprint(__name__)
FILTERS = ("member_id", "kind", "from", "to", "min_score", "max_score", "stage", "segment")


@bp.route("/admin/feedback", methods=["GET"])
@handles_errors
def responses() -> dict[str, Any]:
    """Answers, newest survey first, filtered by member, kind, answer dates, score range, stage and segment."""
    from chalicelib.web.feedback_wire import responses_body
    from chalicelib.web.wire import answer

    page = _page(csv=False)
    return answer(responses_body(page.records, page.next_position))


@bp.route("/admin/exports/feedback.csv", methods=["GET"])
@handles_errors
def responses_csv() -> Response:
    """The same listing as CSV, a page at a time (`Link` and `X-Next-Cursor` carry the filters on)."""
    from chalicelib.services import exports, feedback_reports
    from chalicelib.web.admin_exports import csv_response

    page = _page(csv=True)
    response = csv_response(exports.CsvPage(feedback_reports.responses_csv(page), page.next_position, page.limit),
                            "feedback.csv")
    if page.next_position:
        kept = {name: value for name, value in _params().items() if name in FILTERS and value}
        following = urlencode({**kept, "cursor": page.next_position, "limit": page.limit})
        response.headers["Link"] = f'<feedback.csv?{following}>; rel="next"'
    return response


@bp.route("/admin/feedback/summary", methods=["GET"])
@handles_errors
def summary() -> dict[str, Any]:
    """NPS, CSAT, responses, surveys delivered, response rate and mean sentiment of the surveys sent in a period
    (`from`, `to`: dates), for all of them and per stage, segment or tier (`by`) as they were sent."""
    from chalicelib.services import feedback_reports
    from chalicelib.web.feedback_wire import summary_body
    from chalicelib.web.wire import answer

    key = caller(bp, "read")
    by = query(bp, "by")
    first, last, groups = feedback_reports.summary(bootstrap.get_feedback_store(), key.program_id, query(bp, "from"),
                                                   query(bp, "to"), by, bootstrap.get_clock().now().date())
    return answer(summary_body(first, last, by or None, groups))


def _page(csv: bool) -> ResponsesPage:
    """One page of the listing; its cursor is bound to the program, the format and the filters."""
    from chalicelib.services import feedback_reports

    key = caller(bp, "read")
    filters = feedback_reports.parse_query(_params())
    listing = f"{filters.listing()}:{'csv' if csv else 'json'}"
    page = feedback_reports.responses(bootstrap.get_feedback_store(), key.program_id, filters,
                                      opened(query(bp, "cursor"), key.program_id, listing), query(bp, "limit"),
                                      bootstrap.get_clock().now(), csv=csv)
    return replace(page, next_position=sealed(page.next_position, key.program_id, listing))


def _params() -> Mapping[str, str]:
    return bp.current_request.query_params or {}
