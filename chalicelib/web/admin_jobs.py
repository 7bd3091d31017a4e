"""The admin API for scheduled jobs: the due items parked after failing too often (services/jobs.py)."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib import bootstrap
from chalicelib.web.auth import caller
from chalicelib.web.errors import handles_errors

bp = Blueprint(__name__)


@bp.route("/admin/jobs/parked", methods=["GET"])
@handles_errors
def parked() -> dict[str, Any]:
    """Due items a job stopped retrying after failing too often in a row, with their last error, every task."""
    from chalicelib.web.wire import answer, parked_body, shape

    key = caller(bp, "read")
    found = bootstrap.get_due_work().parked(key.program_id)
    return answer(shape.ParkedItems([parked_body(key.program_id, p) for p in found]))
