"""The admin API for webhook deliveries the worker refused because they can never apply (services/deliveries.py),
and the ones reconciliation repaired because they never came (services/reconciliation.py)."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib import bootstrap
from chalicelib.web.auth import caller, query
from chalicelib.web.errors import handles_errors

bp = Blueprint(__name__)


@bp.route("/admin/deliveries/refused", methods=["GET"])
@handles_errors
def refused() -> dict[str, Any]:
    """Newest received first: where each came from and why it was refused (no payload)."""
    from chalicelib.services.members import page_limit
    from chalicelib.web.wire import answer, refused_body, shape

    key = caller(bp, "read")
    found, cursor = bootstrap.get_refused_deliveries().page(key.program_id, query(bp, "cursor"),
                                                            page_limit(query(bp, "limit")))
    return answer(shape.RefusedDeliveries([refused_body(r) for r in found], cursor))


@bp.route("/admin/deliveries/repaired", methods=["GET"])
@handles_errors
def repaired() -> dict[str, Any]:
    """Newest first: orders and contacts whose webhooks never came, applied by reconciliation (kept 90 days)."""
    from chalicelib.services.members import page_limit
    from chalicelib.web.wire import answer, repair_body, shape

    key = caller(bp, "read")
    found, cursor = bootstrap.get_reconciliation().repairs(key.program_id, query(bp, "cursor"),
                                                           page_limit(query(bp, "limit")))
    return answer(shape.Repairs([repair_body(r) for r in found], cursor))


@bp.route("/admin/reconciliation", methods=["GET"])
@handles_errors
def reconciliation() -> dict[str, Any]:
    """Each source's watermark and last run (window, orders or contacts read, repaired, refused, failed)."""
    from chalicelib.services.reconciliation import state
    from chalicelib.web.wire import answer, reconciliation_body

    key = caller(bp, "read")
    return answer(reconciliation_body(state(key.program_id, bootstrap.get_reconciliation())))
