"""The admin API for program rules: the versions, a new version, and a dry run of proposed rules."""
from __future__ import annotations

from typing import Any

from chalice import BadRequestError, Blueprint, Response

from chalicelib import bootstrap
from chalicelib.adapters.rules_codec import rules_to_json
from chalicelib.domain.errors import InvalidRequest
from chalicelib.services import dry_run, rules_admin
from chalicelib.web.auth import caller
from chalicelib.web.errors import handles_errors

bp = Blueprint(__name__)



def _body() -> Any:
    """The JSON body; malformed JSON is the caller's 400, not a fault (handles_errors would make it a 500)."""
    try:
        return bp.current_request.json_body
    except BadRequestError as e:
        raise InvalidRequest("the body is not valid JSON", code="invalid_json") from e


@bp.route("/admin/rules", methods=["GET"])
@handles_errors
def list_rules() -> dict[str, Any]:
    key = caller(bp, "read")
    overview = rules_admin.rules_overview(bootstrap.get_rules(), key.program_id, bootstrap.get_clock().now())
    return {"current": rules_to_json(overview.current), "versions": [rules_to_json(v) for v in overview.versions]}


@bp.route("/admin/rules", methods=["POST"], content_types=["application/json"])
@handles_errors
def create_rules() -> Response:
    """A new version, effective now or later (never in the past), audited in the same transaction."""
    key = caller(bp, "write")
    rules = rules_admin.create_rules(_body(), key, bootstrap.get_rules(),
                                     bootstrap.get_clock().now())
    return Response(body=rules_to_json(rules), status_code=201)


@bp.route("/admin/rules/dry-run", methods=["POST"], content_types=["application/json"])
@handles_errors
def dry_run_rules() -> dict[str, Any]:
    """What proposed rules would have awarded on orders paid in a range, beside what was awarded; writes nothing."""
    key = caller(bp, "read")
    report = dry_run.dry_run(_body(), key.program_id,
                             bootstrap.get_directory().shop_of(key.program_id), bootstrap.get_shop_index(),
                             bootstrap.get_clock().now())
    return report_body(report)


def report_body(report: dry_run.DryRunReport) -> dict[str, Any]:
    return {"orders": report.orders, "actual_points": report.actual_points,
            "proposed_points": report.proposed_points, "difference": report.difference,
            "truncated": report.next_cursor is not None, "next": report.next_cursor, "by_tier": report.by_tier,
            "sample": [{"order_id": r.order_id, "paid_at": r.paid_at.isoformat(), "base_amount": r.base_amount,
                        "tier": r.tier, "actual_points": r.actual_points, "proposed_points": r.proposed_points}
                       for r in report.sample],
            "notes": list(report.notes)}
