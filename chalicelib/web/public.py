"""Public pages linked from email: the unsubscribe confirmation (GET) and the one-click unsubscribe (POST)."""
from __future__ import annotations

from html import escape

from chalice import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.services import unsubscribe as service
from chalicelib.web.errors import handles_errors

bp = Blueprint(__name__)
_FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain", "application/json"]
_LABEL = {"review": "review requests", "marketing": "offers and news", "transactional": "account emails"}


def _page(title: str, body: str) -> Response:
    html = (f"<!doctype html><html><head><meta charset='utf-8'><meta name='viewport' content='width=device-width'>"
            f"<title>{escape(title)}</title></head><body style='font-family:sans-serif;max-width:32rem;"
            f"margin:3rem auto;padding:0 1rem'><h1 style='font-size:1.3rem'>{escape(title)}</h1>{body}</body></html>")
    return Response(body=html, status_code=200, headers={"Content-Type": "text/html; charset=utf-8",
                                                         "Cache-Control": "no-store"})


@bp.route("/unsubscribe/{token}", methods=["GET"])
@handles_errors
def confirm(token: str) -> Response:
    """Link scanners fetch links: GET only asks, it never unsubscribes."""
    claim, program = service.check(token, bootstrap.get_directory(), bootstrap.get_clock().now())
    label = _LABEL.get(claim.category, claim.category)
    return _page(f"Unsubscribe from {program} {label}?",
                 f"<form method='post'><input type='hidden' name='List-Unsubscribe' value='One-Click'>"
                 f"<button type='submit' style='padding:.6rem 1rem'>Unsubscribe from {escape(label)}</button>"
                 f"</form>")


@bp.route("/unsubscribe/{token}", methods=["POST"], content_types=_FORM_TYPES)
@handles_errors
def one_click(token: str) -> Response:
    """RFC 8058: the mail client POSTs `List-Unsubscribe=One-Click`; it takes effect at once."""
    category, program = service.unsubscribe(token, bootstrap.get_directory(), bootstrap.get_profiles(),
                                             bootstrap.get_clock().now())
    label = _LABEL.get(category, category)
    return _page("You are unsubscribed", f"<p>You will get no more {escape(label)} from {escape(program)}.</p>")
