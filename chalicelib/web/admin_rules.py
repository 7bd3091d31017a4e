"""The admin API for program rules: the versions, a new version, and a dry run of proposed rules."""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.observability import logger
from chalicelib.web.auth import caller
from chalicelib.web.cursors import opened, sealed
from chalicelib.web.errors import handles_errors
from chalicelib.web.inputs import json_body, version_in_path

if TYPE_CHECKING:
    from chalicelib.domain.program import ProgramRules
    from chalicelib.web.shapes.rules import Rules

bp = Blueprint(__name__)


def _body() -> Any:
    """The JSON body, strictly parsed (web/inputs.py): bad JSON is the caller's 400, never a fault."""
    return json_body(bp)


@bp.route("/admin/rules", methods=["GET"])
@handles_errors
def list_rules() -> dict[str, Any]:
    from chalicelib.services import rules_admin
    from chalicelib.web.shapes.rules import RulesVersions
    from chalicelib.web.wire import answer

    key = caller(bp, "read")
    overview = rules_admin.rules_overview(bootstrap.get_rules(), key.program_id, bootstrap.get_clock().now())
    return answer(RulesVersions(_rules(overview.current), [_rules(v) for v in overview.versions]))


@bp.route("/admin/rules", methods=["POST"], content_types=["application/json"])
@handles_errors
def create_rules() -> Response:
    """A new version, effective now or later (never in the past), audited in the same transaction."""
    from chalicelib.services import rules_admin
    from chalicelib.web.rules_input import read_rules
    from chalicelib.web.wire import answer

    key = caller(bp, "write")
    now = bootstrap.get_clock().now()
    rules = rules_admin.create_rules(read_rules(_body(), now), key, bootstrap.get_rules(), now)
    return Response(body=answer(_rules(rules)), status_code=201)


@bp.route("/admin/rules/{version}", methods=["DELETE"])
@handles_errors
def withdraw_rules(version: str) -> dict[str, Any]:
    """Take back a version that has not taken effect yet (audited); 409 for a version that was in force."""
    from chalicelib.services import rules_admin
    from chalicelib.web.shapes.rules import Withdrawn
    from chalicelib.web.wire import answer

    key = caller(bp, "write")
    rules = rules_admin.withdraw_rules(version_in_path(version), key, bootstrap.get_rules(),
                                       bootstrap.get_clock().now())
    return answer(Withdrawn(_rules(rules)))


@bp.route("/admin/rules/dry-run", methods=["POST"], content_types=["application/json"])
@handles_errors
def dry_run_rules() -> dict[str, Any]:
    """What proposed rules would have awarded on orders paid in a range, beside what was awarded; writes nothing."""
    from chalicelib.services import dry_run
    from chalicelib.web.rules_input import read_dry_run
    from chalicelib.web.wire import answer, report_body

    key = caller(bp, "read")
    body = _body()
    if isinstance(body, dict) and isinstance(body.get("cursor"), str) and body["cursor"]:
        body = {**body, "cursor": opened(body["cursor"], key.program_id, "dry-run")}
    report = dry_run.dry_run(read_dry_run(body, bootstrap.get_clock().now()), key.program_id,
                             bootstrap.get_directory().shop_of(key.program_id), bootstrap.get_shop_index())
    return answer(report_body(replace(report, next_cursor=sealed(report.next_cursor, key.program_id, "dry-run"))))


def _rules(rules: ProgramRules) -> Rules:
    """Rules as the codec writes them, in their response shape. A version stored before the shape was this strict (a
    decimal such as "1e2", a tag that lower case made longer than its bound) is answered as stored, not refused: one
    such version must not make the program's rules unreadable."""
    import msgspec

    from chalicelib.domain.rules_codec import rules_to_json
    from chalicelib.web.shapes.rules import Rules

    stored = rules_to_json(rules)
    try:
        return msgspec.convert(stored, Rules)
    except msgspec.ValidationError:
        logger.warning("rules_version_out_of_shape", extra={"version": rules.version})
        return Rules(**stored)                  # a Struct built directly holds the values as they are
