"""CSV exports of the admin API: members and ledger entries, paged with opaque cursors."""
from __future__ import annotations

from urllib.parse import urlencode

from chalice import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.services import exports
from chalicelib.services.ports import ApiKey
from chalicelib.web.auth import authenticate
from chalicelib.web.errors import handles_errors

bp = Blueprint(__name__)


def _caller(scope: str) -> ApiKey:
    return authenticate(bp.current_request.headers, scope)


def _query(name: str) -> str | None:
    return (bp.current_request.query_params or {}).get(name)


@bp.route("/admin/exports/members.csv", methods=["GET"])
@handles_errors
def export_members() -> Response:
    key = _caller("read")
    page = exports.members_csv(bootstrap.get_shop_index(), key.program_id,
                               bootstrap.get_directory().shop_of(key.program_id), _query("cursor"), _query("limit"))
    return csv_response(page, "members.csv")


@bp.route("/admin/exports/ledger.csv", methods=["GET"])
@handles_errors
def export_ledger() -> Response:
    key = _caller("read")
    page = exports.ledger_csv(bootstrap.get_shop_index(), key.program_id,
                              bootstrap.get_directory().shop_of(key.program_id), _query("cursor"), _query("limit"))
    return csv_response(page, "ledger.csv")


def csv_response(page: exports.CsvPage, name: str) -> Response:
    """The page as text/csv; the next page (a reference relative to this one) in `Link` and `X-Next-Cursor`."""
    headers = {"Content-Type": "text/csv; charset=utf-8", "Content-Disposition": f'attachment; filename="{name}"',
               "Cache-Control": "no-store"}
    if page.next_cursor:
        query = urlencode({"cursor": page.next_cursor, "limit": page.limit})
        headers |= {"Link": f'<{name}?{query}>; rel="next"', "X-Next-Cursor": page.next_cursor}
    return Response(body=page.body, status_code=200, headers=headers)
