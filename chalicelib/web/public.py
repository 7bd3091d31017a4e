"""Public pages linked from email: the unsubscribe confirmation (GET) and the one-click unsubscribe (POST).

People open these links in a browser, so a link that cannot be used (expired, not valid yet, forged, malformed,
naming a program we do not have) gets a small page saying so, with a 4xx status. A client that asks for JSON
only (`Accept: application/json`, no `text/html`) gets the API's error shape instead.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from html import escape
from typing import Any

from chalice import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.domain.errors import InvalidSignature, LoyaltyError
from chalicelib.domain.tokens import TokenExpired, TokenNotYetValid
from chalicelib.observability import logger
from chalicelib.web.errors import error_response, status_for

bp = Blueprint(__name__)
_FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain", "application/json"]
_LABEL = {"review": "review requests", "marketing": "offers and news", "transactional": "account emails",
          "feedback": "surveys"}
_RECENT = "To unsubscribe, please use the link in a recent email from us."
# (error class, status, page title, page text); the first class the error is an instance of wins.
_LINK_ERRORS: list[tuple[type[LoyaltyError], int, str, str]] = [
    (TokenExpired, 410, "This link has expired", f"Unsubscribe links work for a year. {_RECENT}"),
    (TokenNotYetValid, 400, "This link is not valid yet", f"Its date lies in the future. {_RECENT}"),
    (InvalidSignature, 400, "This link is not valid",
     f"We could not recognise this unsubscribe link; it may have been cut short or changed. {_RECENT}"),
]


def _page(title: str, body: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    html = (f"<!doctype html><html><head><meta charset='utf-8'><meta name='viewport' content='width=device-width'>"
            f"<title>{escape(title)}</title></head><body style='font-family:sans-serif;max-width:32rem;"
            f"margin:3rem auto;padding:0 1rem'><h1 style='font-size:1.3rem'>{escape(title)}</h1>{body}</body></html>")
    return Response(body=html, status_code=status, headers={"Content-Type": "text/html; charset=utf-8",
                                                            "Cache-Control": "no-store", **(headers or {})})


def _wants_json() -> bool:
    headers = bp.current_request.headers
    accept = str(headers.get("accept") or "").lower() if headers else ""
    return "application/json" in accept and "text/html" not in accept


LinkErrors = list[tuple[type[LoyaltyError], int, str, str]]


def _explain(error: LoyaltyError, explained: LinkErrors = _LINK_ERRORS) -> tuple[int, str, str]:
    for cls, status, title, text in explained:
        if isinstance(error, cls):
            return status, title, text
    return status_for(error), "We could not do that just now", "Please try again in a moment."


def link_refusals(explained: LinkErrors, event: str) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """The refusals of a page linked from email (`explained`: page title and text per error class), logged as
    `event` with the code and status only."""
    def decorate(view: Callable[..., Response]) -> Callable[..., Response]:
        return _refusals(view, explained, event)
    return decorate


def _refusals(view: Callable[..., Response], explained: LinkErrors = _LINK_ERRORS,
              event: str = "unsubscribe_link_refused") -> Callable[..., Response]:
    """Errors as a page for people, or as {"error": {"code", "message"}} for a client asking for JSON only."""
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except LoyaltyError as e:
            status, title, text = _explain(e, explained)
            code, message = e.code, e.message
            logger.info(event, extra={"code": code, "status": status})
        except Exception:
            logger.exception("unhandled_error")
            status, title, text = 500, "Something went wrong", "Please try again later."
            code, message = "internal_error", "An internal error occurred."
        if _wants_json():
            return error_response(status, code, message, {"Content-Type": "application/json",
                                                          "Cache-Control": "no-store", "Vary": "Accept"})
        return _page(title, f"<p>{escape(text)}</p>", status, {"Vary": "Accept"})
    return wrapper


@bp.route("/unsubscribe/{token}", methods=["GET"])
@_refusals
def confirm(token: str) -> Response:
    """Link scanners fetch links: GET only asks, it never unsubscribes."""
    from chalicelib.services import unsubscribe as service

    claim, program = service.check(token, bootstrap.get_directory(), bootstrap.get_clock().now())
    label = _LABEL.get(claim.category, claim.category)
    return _page(f"Unsubscribe from {program} {label}?",
                 f"<form method='post'><input type='hidden' name='List-Unsubscribe' value='One-Click'>"
                 f"<button type='submit' style='padding:.6rem 1rem'>Unsubscribe from {escape(label)}</button>"
                 f"</form>")


@bp.route("/unsubscribe/{token}", methods=["POST"], content_types=_FORM_TYPES)
@_refusals
def one_click(token: str) -> Response:
    """RFC 8058: the mail client POSTs `List-Unsubscribe=One-Click`; it takes effect at once."""
    from chalicelib.services import unsubscribe as service

    category, program = service.unsubscribe(token, bootstrap.get_directory(), bootstrap.get_profiles(),
                                             bootstrap.get_clock().now())
    label = _LABEL.get(category, category)
    return _page("You are unsubscribed", f"<p>You will get no more {escape(label)} from {escape(program)}.</p>")
