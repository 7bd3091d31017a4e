"""CSV exports of the admin API: members and ledger entries, paged with opaque cursors."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from chalice import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.web.auth import caller, query
from chalicelib.web.cursors import opened, sealed
from chalicelib.web.errors import handles_errors

if TYPE_CHECKING:
    from chalicelib.services import exports

bp = Blueprint(__name__)




@bp.route("/admin/exports/members.csv", methods=["GET"])
@handles_errors
def export_members() -> Response:
    from chalicelib.services import exports

    return _export(exports.members_csv, "members.csv")


@bp.route("/admin/exports/ledger.csv", methods=["GET"])
@handles_errors
def export_ledger() -> Response:
    from chalicelib.services import exports

    return _export(exports.ledger_csv, "ledger.csv")


def _export(listing: Callable[..., exports.CsvPage], name: str) -> Response:
    key = caller(bp, "read")
    cursor = opened(query(bp, "cursor"), key.program_id, f"export:{name}")
    page = listing(bootstrap.get_shop_index(), key.program_id, bootstrap.get_directory().shop_of(key.program_id),
                   cursor, query(bp, "limit"))
    return csv_response(replace(page, next_cursor=sealed(page.next_cursor, key.program_id, f"export:{name}")), name)


def csv_response(page: exports.CsvPage, name: str) -> Response:
    """The page as text/csv; the next page (a reference relative to this one) in `Link` and `X-Next-Cursor`."""
    headers: dict[str, str | list[str]] = {
        "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store"}
    if page.next_cursor:
        query = urlencode({"cursor": page.next_cursor, "limit": page.limit})
        headers |= {"Link": f'<{name}?{query}>; rel="next"', "X-Next-Cursor": page.next_cursor}
    return Response(body=page.body, status_code=200, headers=headers)
