"""The admin API: members and their ledgers."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.domain.errors import InvalidRequest
from chalicelib.messaging.composer import preview
from chalicelib.services import adjustments, members, orders, rewards
from chalicelib.services.ports import ApiKey
from chalicelib.services.privacy import data_request_export
from chalicelib.web import openapi
from chalicelib.web.auth import authenticate
from chalicelib.web.errors import handles_errors
from chalicelib.web.wire import data_request_body, entry_body, member_body, message_body, order_body, reward_body

bp = Blueprint(__name__)


def _caller(scope: str) -> ApiKey:
    return authenticate(bp.current_request.headers, scope, bootstrap.get_directory())


def _query(name: str) -> str | None:
    return (bp.current_request.query_params or {}).get(name)


@bp.route("/admin/members", methods=["GET"])
@handles_errors
def find_members() -> dict[str, Any]:
    key = _caller("read")
    found = members.find_members(bootstrap.get_ledger(), key.program_id, _query("email"))
    return {"members": [member_body(m) for m in found]}


@bp.route("/admin/members/{member_id}", methods=["GET"])
@handles_errors
def get_member(member_id: str) -> dict[str, Any]:
    key = _caller("read")
    return member_body(members.get_member(bootstrap.get_ledger(), key.program_id, member_id))


@bp.route("/admin/members/{member_id}/ledger", methods=["GET"])
@handles_errors
def member_ledger(member_id: str) -> dict[str, Any]:
    key = _caller("read")
    page = members.member_ledger(bootstrap.get_ledger(), key.program_id, member_id, _query("cursor"),
                                 _query("limit"))
    return {"entries": [entry_body(e) for e in page.entries], "next": page.next_cursor}


@bp.route("/admin/data-requests", methods=["GET"])
@handles_errors
def list_data_requests() -> dict[str, Any]:
    key = _caller("read")
    return {"data_requests": [data_request_body(r) for r in bootstrap.get_requests().list(key.program_id)]}


@bp.route("/admin/data-requests/{request_id}", methods=["GET"])
@handles_errors
def data_request(request_id: str) -> dict[str, Any]:
    """The customer's data for the merchant to send: profile, ledger (paged) and the orders asked about."""
    key = _caller("read")
    export = data_request_export(bootstrap.get_requests(), bootstrap.get_ledger(), key.program_id, request_id,
                                 _query("cursor"))
    return {"request": data_request_body(export.request),
            "member": member_body(export.member) if export.member else None,
            "entries": [entry_body(e) for e in export.ledger.entries], "next": export.ledger.next_cursor,
            "orders": [order_body(o) for o in export.orders]}


@bp.route("/admin/messages", methods=["GET"])
@handles_errors
def member_messages() -> dict[str, Any]:
    """Every message of a member: kind, status, due time, and why it went out or did not."""
    key = _caller("read")
    member = members.get_member(bootstrap.get_ledger(), key.program_id, _query("member_id") or "")
    return {"messages": [message_body(m) for m in bootstrap.get_outbox().messages(key.program_id, member.member_id)]}


@bp.route("/admin/messages/preview", methods=["GET"])
@handles_errors
def preview_message() -> dict[str, Any]:
    """Any template rendered with sample data and the program's branding."""
    key = _caller("read")
    rendered = preview(_query("kind") or "", bootstrap.get_directory().messaging(key.program_id))
    return {"kind": _query("kind"), "subject": rendered.subject, "html": rendered.html, "text": rendered.text}


@bp.route("/admin/rewards", methods=["POST"], content_types=["application/json"])
@handles_errors
def create_reward() -> Response:
    key = _caller("write")
    reward = rewards.create_reward(bp.current_request.json_body, key.program_id, bootstrap.get_rewards(),
                                   bootstrap.get_clock().now())
    return Response(body=reward_body(reward), status_code=201)


@bp.route("/admin/rewards", methods=["GET"])
@handles_errors
def list_rewards() -> dict[str, Any]:
    key = _caller("read")
    return {"rewards": [reward_body(r) for r in bootstrap.get_rewards().list(key.program_id)]}


@bp.route("/admin/reviews", methods=["POST"], content_types=["application/json"])
@handles_errors
def record_review() -> Response:
    """For the merchant's review app: `{"order_id": "...", "shop"?: "..."}`; later reminders are skipped."""
    key = _caller("write")
    body = bp.current_request.json_body
    order_id = body.get("order_id") if isinstance(body, dict) else None
    if not isinstance(order_id, str) or not order_id.isdigit():
        raise InvalidRequest("order_id: the Shopify order id as a digit string is required", code="invalid_body")
    shop = body.get("shop") or bootstrap.get_directory().shop_of(key.program_id)
    outcome = orders.record_review(key.program_id, str(shop), order_id, bootstrap.get_ledger(),
                                   bootstrap.get_rules(), bootstrap.get_clock())
    return Response(body={"order_id": order_id, "recorded": outcome.status == "recorded"}, status_code=200)


@bp.route("/admin/members/{member_id}/adjustments", methods=["POST"], content_types=["application/json"])
@handles_errors
def adjust_member(member_id: str) -> Response:
    """Add or take points with a reason; the idempotency key makes a retry return the same entry."""
    key = _caller("write")
    entry, created = adjustments.adjust(bp.current_request.json_body, member_id, key, bootstrap.get_ledger(),
                                        bootstrap.get_clock())
    return Response(body=entry_body(entry), status_code=201 if created else 200)


@bp.route("/admin/openapi.json", methods=["GET"])
def openapi_document() -> dict[str, Any]:
    return openapi.document()
