"""The admin API for the CRM connectors: which are configured, and how a member's sync went."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib import bootstrap
from chalicelib.web.auth import caller
from chalicelib.web.errors import handles_errors
from chalicelib.web.inputs import member_in_path

bp = Blueprint(__name__)


@bp.route("/admin/connectors", methods=["GET"])
@handles_errors
def connectors() -> dict[str, Any]:
    from chalicelib.services import crm_admin
    from chalicelib.web.wire import answer, connectors_body

    key = caller(bp, "read")
    found = bootstrap.get_connector_clients().for_program(key.program_id)
    overview = crm_admin.connectors_overview(key.program_id, found, bootstrap.get_crm_sync())
    return answer(connectors_body(overview))


@bp.route("/admin/members/{member_id}/sync", methods=["GET"])
@handles_errors
def member_sync(member_id: str) -> dict[str, Any]:
    from chalicelib.services import crm_admin
    from chalicelib.web.wire import answer, shape, sync_status_body

    key = caller(bp, "read")
    clients = bootstrap.get_connector_clients().for_program(key.program_id)
    sync = crm_admin.member_sync(key.program_id, member_in_path(member_id), bootstrap.get_ledger(),
                                 bootstrap.get_crm_sync(), clients)
    return answer(shape.MemberSync(member_id=member_id, due_at=sync.due_at.isoformat() if sync.due_at else None,
                                   connectors={name: sync_status_body(s) for name, s in sync.statuses.items()}))
