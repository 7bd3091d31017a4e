"""The admin API for scheduled jobs: the due items parked after failing too often (services/jobs.py)."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib import bootstrap
from chalicelib.services.ports.due import DueFailure
from chalicelib.web.auth import caller
from chalicelib.web.errors import handles_errors

bp = Blueprint(__name__)


@bp.route("/admin/jobs/parked", methods=["GET"])
@handles_errors
def parked() -> dict[str, Any]:
    key = caller(bp, "read")
    return {"parked": [parked_body(key.program_id, p) for p in bootstrap.get_due_work().parked(key.program_id)]}


def parked_body(program_id: str, item: DueFailure) -> dict[str, Any]:
    return {"program_id": program_id, "task": item.task, "ref": item.ref, "due_at": item.due_at.isoformat(),
            "attempts": item.attempts, "first_failed_at": item.first_failed_at.isoformat(),
            "last_failed_at": item.last_failed_at.isoformat(),
            "parked_at": item.parked_at.isoformat() if item.parked_at else None, "error": item.error}
