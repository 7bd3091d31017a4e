"""Tracked links from campaign mail: `GET /r/{token}` → 302 to the link's target, the click kept.

Only a link we signed goes anywhere, and only to a site the program links to now (domain/links.py): a forged,
malformed or expired link, or one whose site was removed from the program's `link_domains` (LinkRetired, a NotFound),
gets a small page with a 4xx status (or the error shape for a client asking for JSON only), never a redirect. Neither
the target nor the person is logged.
"""
from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.domain.errors import InvalidSignature, NotFound
from chalicelib.domain.tokens import TokenExpired, TokenNotYetValid
from chalicelib.web.public import LinkErrors, link_refusals

bp = Blueprint(__name__)
_AGAIN = "It may have been cut short or changed: please use the link in the email again, or visit the shop directly."
_LINK_ERRORS: LinkErrors = [
    (TokenExpired, 410, "This link has expired", "Links in our emails work for six months."),
    (TokenNotYetValid, 400, "This link is not valid yet", _AGAIN),
    (InvalidSignature, 400, "This link is not valid", _AGAIN),
    (NotFound, 410, "This link no longer works", "It leads to a site this program no longer links to."),
]


@bp.route("/r/{token}", methods=["GET"])
@link_refusals(_LINK_ERRORS, "click_link_refused")
def follow(token: str) -> Response:
    from chalicelib.services import engagement

    target = engagement.follow_link(token, bootstrap.get_directory(), bootstrap.get_engagement(),
                                    bootstrap.get_campaign_progress(), bootstrap.get_clock().now())
    return Response(body="", status_code=302, headers={"Location": target, "Cache-Control": "no-store",
                                                        "Referrer-Policy": "no-referrer"})
