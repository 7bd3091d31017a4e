"""The admin API for webhook deliveries the worker refused because they can never apply (services/deliveries.py)."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib import bootstrap
from chalicelib.services.members import page_limit
from chalicelib.services.ports.intake import RefusedDelivery
from chalicelib.web.auth import caller, query
from chalicelib.web.errors import handles_errors

bp = Blueprint(__name__)


@bp.route("/admin/deliveries/refused", methods=["GET"])
@handles_errors
def refused() -> dict[str, Any]:
    """Newest received first: where each came from and why it was refused (no payload)."""
    key = caller(bp, "read")
    found, cursor = bootstrap.get_refused_deliveries().page(key.program_id, query(bp, "cursor"),
                                                            page_limit(query(bp, "limit")))
    return {"refused": [refused_body(r) for r in found], "next": cursor}


def refused_body(item: RefusedDelivery) -> dict[str, Any]:
    return {"source": item.source, "topic": item.topic, "webhook_id": item.webhook_id,
            "received_at": item.received_at.isoformat(), "refused_at": item.refused_at.isoformat(),
            "reason": item.reason}
