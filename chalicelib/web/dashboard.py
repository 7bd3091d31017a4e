"""The merchant dashboard: one page served by the app itself, its sign-in with an API key, and its static assets.

`GET /dashboard` shows the sign-in form, or the dashboard to a browser with a valid session cookie. The page reads the
admin API's GET routes with that cookie (web/auth.caller accepts it for the read scope on GET only). Signing in
(`POST /dashboard/session`) checks the key as the admin API does and sets a signed, one-hour, HttpOnly, Secure,
SameSite=Strict cookie; the key never reaches the browser again. Every response carries a strict Content Security
Policy (no inline script or style), and every URL in the pages is relative: on AWS the API lives under a stage prefix.
"""
from __future__ import annotations

import json
from html import escape
from pathlib import Path
from urllib.parse import parse_qs

from chalice import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.domain.errors import InvalidRequest, LoyaltyError
from chalicelib.observability import logger
from chalicelib.web.errors import error_response, status_for

bp = Blueprint(__name__)
PAGES = Path(__file__).resolve().parents[1] / "dashboard"
VENDOR = PAGES / "vendor"
CHART = "chart.umd.min.js"
MAX_FORM_BYTES = 4096
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY"}
HOME = "../dashboard"          # relative to /dashboard/session: /dashboard, or /<stage>/dashboard on AWS
# name → (folder, content type, Cache-Control)
ASSETS = {
    "app.js": (PAGES, "text/javascript; charset=utf-8", "no-cache"),
    "app.css": (PAGES, "text/css; charset=utf-8", "no-cache"),
    "favicon.svg": (PAGES, "image/svg+xml", "public, max-age=86400"),
    CHART: (VENDOR, "text/javascript; charset=utf-8", "public, max-age=86400"),
    "LICENSE.md": (VENDOR, "text/plain; charset=utf-8", "public, max-age=86400"),
}
_MISSING = "The dashboard's chart library is missing from this deployment: run `make deps` (or `make package`)."


@bp.route("/dashboard", methods=["GET"])
def page() -> Response:
    """The dashboard to a browser with a valid session, else the sign-in form (200)."""
    from chalicelib.domain.sessions import cookie_value

    token = cookie_value(bp.current_request.headers.get("cookie"))
    if not token or not _session_valid(token):
        return _signin()
    if not (VENDOR / CHART).is_file():
        return _html(_read("unavailable.html").replace("{message}", escape(_MISSING)), 503)
    return _html(_read("index.html"))


@bp.route("/dashboard/session", methods=["POST"],
          content_types=["application/x-www-form-urlencoded", "application/json"])
def session() -> Response:
    """Sign in with `api_key` (303 to the dashboard with the session cookie), or sign out with `action=sign_out`."""
    from chalicelib.domain.sessions import COOKIE, LIFETIME
    from chalicelib.services import dashboard_sessions

    try:
        fields = _fields()
        if fields.get("action") == "sign_out":
            return _signed_out()
        started = dashboard_sessions.sign_in(fields.get("api_key"), bootstrap.get_api_keys(),
                                             bootstrap.get_directory(), bootstrap.get_clock().now())
    except LoyaltyError as e:
        return _refused(e)
    logger.info("dashboard_signed_in", extra={"program_id": started.key.program_id, "key_id": started.key.key_id})
    cookie = (f"{COOKIE}={started.token}; Path=/; HttpOnly; Secure; SameSite=Strict; "
              f"Max-Age={int(LIFETIME.total_seconds())}")
    return Response(body="", status_code=303, headers={"Location": HOME, "Set-Cookie": cookie,
                                                       "Cache-Control": "no-store", **SECURITY})


@bp.route("/dashboard/session", methods=["DELETE"])
def end_session() -> Response:
    """Sign out: the session cookie is cleared (204)."""
    return Response(body="", status_code=204, headers={"Set-Cookie": _cleared(), "Cache-Control": "no-store",
                                                       **SECURITY})


@bp.route("/dashboard/assets/{name}", methods=["GET"])
def asset(name: str) -> Response:
    """The page's script and style, and the chart library (Chart.js, copied from npm by `make deps`)."""
    if name not in ASSETS:
        return _error(404, "not_found", "no such dashboard asset")
    folder, content_type, cache = ASSETS[name]
    path = folder / name
    if not path.is_file():
        return _error(503, "dashboard_unavailable", _MISSING)
    return Response(body=path.read_text(encoding="utf-8"), status_code=200,
                    headers={"Content-Type": content_type, "Cache-Control": cache, **SECURITY})


def _cleared() -> str:
    from chalicelib.domain.sessions import COOKIE

    return f"{COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0"


def _session_valid(token: str) -> bool:
    from chalicelib.web.auth import session_caller

    try:
        session_caller(token)
    except LoyaltyError:
        return False
    return True


def _signed_out() -> Response:
    return Response(body="", status_code=303, headers={"Location": HOME, "Set-Cookie": _cleared(),
                                                       "Cache-Control": "no-store", **SECURITY})


def _refused(error: LoyaltyError) -> Response:
    status = status_for(error)
    logger.info("dashboard_sign_in_refused", extra={"code": error.code, "status": status})
    if _wants_json():
        return _error(status, error.code, error.message)
    message = {401: "That API key was not accepted. Check it and try again.",
               403: "That API key may not read the program's figures: use a key with the read scope."}
    return _signin(message.get(status, error.message), status, root="../")


def _fields() -> dict[str, str]:
    """The form's (or JSON body's) text fields."""
    request = bp.current_request
    body = request.raw_body or b""
    raw = body.encode() if isinstance(body, str) else body
    if len(raw) > MAX_FORM_BYTES:
        raise InvalidRequest("the form is too large", code="invalid_form")
    content_type = str(request.headers.get("content-type") or "").lower()
    try:
        if content_type.startswith("application/json"):
            found = json.loads(raw or b"{}")
            if not isinstance(found, dict):
                raise ValueError("not an object")
            return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, str)}
        parsed = parse_qs(raw.decode("utf-8"), max_num_fields=10, errors="strict")
    except (UnicodeDecodeError, ValueError) as e:
        raise InvalidRequest("the form is not one this page sends", code="invalid_form") from e
    return {k: v[0] for k, v in parsed.items() if v}


def _wants_json() -> bool:
    accept = str(bp.current_request.headers.get("accept") or "").lower()
    return "application/json" in accept and "text/html" not in accept


def _signin(message: str = "", status: int = 200, root: str = "") -> Response:
    """The sign-in form; `root` leads from the page's address to the API's root ("../" under /dashboard/)."""
    notice = f'<p class="notice" role="alert">{escape(message)}</p>' if message else ""
    return _html(_read("signin.html").replace("{notice}", notice).replace("{root}", root), status)


def _read(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def _html(body: str, status: int = 200) -> Response:
    return Response(body=body, status_code=status, headers={"Content-Type": "text/html; charset=utf-8",
                                                            "Cache-Control": "no-store", **SECURITY})


def _error(status: int, code: str, message: str) -> Response:
    response = error_response(status, code, message)
    response.headers.update({"Cache-Control": "no-store", **SECURITY})
    return response
