"""The admin API for one member per person: a merchant says two members are the same person."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib import bootstrap
from chalicelib.web.auth import caller
from chalicelib.web.errors import handles_errors
from chalicelib.web.inputs import json_body, member_in_path

bp = Blueprint(__name__)


@bp.route("/admin/members/{member_id}/merge", methods=["POST"], content_types=["application/json"])
@handles_errors
def merge_members(member_id: str) -> dict[str, Any]:
    """Merge another member into this one (the Shopify customer's member stays); answers the surviving member."""
    from chalicelib.services import merges
    from chalicelib.web.shapes import reading, requests
    from chalicelib.web.wire import answer, member_body

    key = caller(bp, "write")
    asked = reading.read(json_body(bp), requests.Merge, "invalid_merge")
    now = bootstrap.get_clock().now()
    survivor = merges.merge_on_request(key.program_id, member_in_path(member_id), asked.member_id, asked.reason,
                                       key.key_id,
                                       bootstrap.get_ledger(), bootstrap.get_rules().rules_at(key.program_id, now),
                                       bootstrap.get_clock())
    return answer(member_body(survivor))
