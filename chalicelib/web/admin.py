"""The admin API: members and their ledgers."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib import bootstrap
from chalicelib.services import members
from chalicelib.services.ports import ApiKey
from chalicelib.web.auth import authenticate
from chalicelib.web.errors import handles_errors
from chalicelib.web.wire import entry_body, member_body

bp = Blueprint(__name__)


def _caller(scope: str) -> ApiKey:
    return authenticate(bp.current_request.headers, scope, bootstrap.get_directory())


def _query(name: str) -> str | None:
    return (bp.current_request.query_params or {}).get(name)


@bp.route("/admin/members", methods=["GET"])
@handles_errors
def find_members() -> dict[str, Any]:
    key = _caller("read")
    found = members.find_members(bootstrap.get_ledger(), key.program_id, _query("email"))
    return {"members": [member_body(m) for m in found]}


@bp.route("/admin/members/{member_id}", methods=["GET"])
@handles_errors
def get_member(member_id: str) -> dict[str, Any]:
    key = _caller("read")
    return member_body(members.get_member(bootstrap.get_ledger(), key.program_id, member_id))


@bp.route("/admin/members/{member_id}/ledger", methods=["GET"])
@handles_errors
def member_ledger(member_id: str) -> dict[str, Any]:
    key = _caller("read")
    page = members.member_ledger(bootstrap.get_ledger(), key.program_id, member_id, _query("cursor"),
                                 _query("limit"))
    return {"entries": [entry_body(e) for e in page.entries], "next": page.next_cursor}
