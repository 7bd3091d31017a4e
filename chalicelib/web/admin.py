"""The admin API: members and their ledgers."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.domain.audit import audit_record
from chalicelib.domain.errors import NotFound
from chalicelib.domain.ids import REWARD_ID, well_formed
from chalicelib.services.ports.metrics import POINTS_REDEEMED, REDEMPTIONS
from chalicelib.web.auth import caller, query
from chalicelib.web.cursors import opened, sealed
from chalicelib.web.errors import handles_errors
from chalicelib.web.inputs import json_body, key_in_path, member_in_path, member_in_query, request_in_path

bp = Blueprint(__name__)


@bp.route("/admin/members", methods=["GET"])
@handles_errors
def find_members() -> dict[str, Any]:
    from chalicelib.services import members
    from chalicelib.web.wire import answer, member_body, shape

    key = caller(bp, "read")
    directory = bootstrap.get_directory()
    found = members.lookup(bootstrap.get_ledger(), bootstrap.get_identities(), key.program_id,
                           bp.current_request.query_params or {}, directory.shop_of(key.program_id),
                           directory.hubspot_portal(key.program_id))
    return answer(shape.Members([member_body(m) for m in found]))


@bp.route("/admin/members/{member_id}", methods=["GET"])
@handles_errors
def get_member(member_id: str) -> dict[str, Any]:
    from chalicelib.domain.standing import standing
    from chalicelib.services import members
    from chalicelib.web.wire import answer, profile_body

    key = caller(bp, "read")
    member = members.get_member(bootstrap.get_ledger(), key.program_id, member_in_path(member_id))
    now = bootstrap.get_clock().now()
    where = standing(member, bootstrap.get_rules().rules_at(key.program_id, now), now)
    return answer(profile_body(member, where, bootstrap.get_directory().messaging(key.program_id).currency))


@bp.route("/admin/members/{member_id}/ledger", methods=["GET"])
@handles_errors
def member_ledger(member_id: str) -> dict[str, Any]:
    from chalicelib.services import members
    from chalicelib.web.wire import answer, entry_body, shape

    key = caller(bp, "read")
    listing = f"ledger:{member_in_path(member_id)}"
    page = members.member_ledger(bootstrap.get_ledger(), key.program_id, member_id,
                                 opened(query(bp, "cursor"), key.program_id, listing), query(bp, "limit"))
    return answer(shape.Ledger([entry_body(e) for e in page.entries],
                               sealed(page.next_cursor, key.program_id, listing)))


@bp.route("/admin/members/{member_id}/timeline", methods=["GET"])
@handles_errors
def member_timeline(member_id: str) -> dict[str, Any]:
    """Ledger entries, messages and tier and journey changes in one list, newest first."""
    from chalicelib.services import timeline
    from chalicelib.web.wire import answer, shape, timeline_body

    key = caller(bp, "read")
    listing = f"timeline:{member_in_path(member_id)}"
    page = timeline.timeline(bootstrap.get_ledger(), bootstrap.get_outbox(), key.program_id, member_id,
                             opened(query(bp, "cursor"), key.program_id, listing), query(bp, "limit"))
    return answer(shape.Timeline([timeline_body(at, item) for at, item in page.items],
                                 sealed(page.next_cursor, key.program_id, listing)))


@bp.route("/admin/data-requests", methods=["GET"])
@handles_errors
def list_data_requests() -> dict[str, Any]:
    from chalicelib.web.wire import answer, data_request_body, shape

    key = caller(bp, "read")
    return answer(shape.DataRequests([data_request_body(r) for r in bootstrap.get_requests().list(key.program_id)]))


@bp.route("/admin/data-requests/{request_id}", methods=["GET"])
@handles_errors
def data_request(request_id: str) -> dict[str, Any]:
    """The customer's data for the merchant to send: profile, ledger (paged) and the orders asked about."""
    from chalicelib.services.privacy import data_request_export
    from chalicelib.web.wire import answer, data_request_body, entry_body, member_body, order_body, shape

    key = caller(bp, "read")
    listing = f"data-request:{request_in_path(request_id)}"
    export = data_request_export(bootstrap.get_requests(), bootstrap.get_ledger(), key.program_id, request_id,
                                 opened(query(bp, "cursor"), key.program_id, listing))
    return answer(shape.DataExport(
        request=data_request_body(export.request), member=member_body(export.member) if export.member else None,
        entries=[entry_body(e) for e in export.ledger.entries],
        next=sealed(export.ledger.next_cursor, key.program_id, listing), orders=[order_body(o) for o in export.orders]))


@bp.route("/admin/messages", methods=["GET"])
@handles_errors
def member_messages() -> dict[str, Any]:
    """Every message of a member: kind, status, due time, and why it went out or did not."""
    from chalicelib.services import members
    from chalicelib.web.wire import answer, message_body, shape

    key = caller(bp, "read")
    member = members.get_member(bootstrap.get_ledger(), key.program_id, member_in_query(bp))
    found = bootstrap.get_outbox().messages(key.program_id, member.member_id)
    return answer(shape.Messages([message_body(m) for m in found]))


@bp.route("/admin/messages/preview", methods=["GET"])
@handles_errors
def preview_message() -> dict[str, Any]:
    """Any template rendered with sample data and the program's branding."""
    from chalicelib.web.wire import answer, shape

    key = caller(bp, "read")
    settings = bootstrap.get_directory().messaging(key.program_id)
    rendered = bootstrap.get_composer().preview(query(bp, "kind") or "", settings)
    return answer(shape.Preview(query(bp, "kind"), rendered.subject, rendered.html, rendered.text))


@bp.route("/admin/rewards", methods=["POST"], content_types=["application/json"])
@handles_errors
def create_reward() -> Response:
    from chalicelib.services import rewards
    from chalicelib.web.shapes import reading, requests
    from chalicelib.web.wire import answer, reward_body

    key = caller(bp, "write")
    asked = reading.read(json_body(bp), requests.NewReward, "invalid_reward")
    reward = asked.reward(rewards.new_reward_id(), bootstrap.get_clock().now())
    rewards.create_reward(reward, key, bootstrap.get_rewards())
    return Response(body=answer(reward_body(reward)), status_code=201)


@bp.route("/admin/rewards", methods=["GET"])
@handles_errors
def list_rewards() -> dict[str, Any]:
    from chalicelib.web.wire import answer, reward_body, shape

    key = caller(bp, "read")
    return answer(shape.Rewards([reward_body(r) for r in bootstrap.get_rewards().list(key.program_id)]))


@bp.route("/admin/rewards/{reward_id}", methods=["DELETE"])
@handles_errors
def retire_reward(reward_id: str) -> dict[str, Any]:
    """Stop offering a reward (audited); codes already issued for it stay valid."""
    from chalicelib.services import rewards
    from chalicelib.web.wire import answer, reward_body

    key = caller(bp, "write")
    if not well_formed(REWARD_ID, reward_id):
        raise NotFound(f"no reward {reward_id[:64]}")
    retired = rewards.retire_reward(reward_id, key, bootstrap.get_rewards(), bootstrap.get_clock().now())
    return answer(reward_body(retired))


@bp.route("/admin/reviews", methods=["POST"], content_types=["application/json"])
@handles_errors
def record_review() -> Response:
    """For the merchant's review app: `{"order_id": "...", "shop"?: "..."}`; later reminders are skipped."""
    from chalicelib.services import orders
    from chalicelib.web.shapes import reading, requests
    from chalicelib.web.wire import answer, shape

    key = caller(bp, "write")
    review = reading.read(json_body(bp), requests.Review, "invalid_body")
    order_id, shop = review.order_id, review.shop or bootstrap.get_directory().shop_of(key.program_id)
    outcome = orders.record_review(key.program_id, shop, order_id, bootstrap.get_ledger(),
                                   bootstrap.get_rules(), bootstrap.get_clock())
    if outcome.status == "recorded":
        bootstrap.get_audit().record(key.program_id, audit_record(
            key.key_id, bootstrap.get_clock().now(), "review.record", f"order:{shop}:{order_id}",
            after={"reviewed": True}))
    return Response(body=answer(shape.ReviewRecorded(order_id, outcome.status == "recorded")), status_code=200)


@bp.route("/admin/members/{member_id}/adjustments", methods=["POST"], content_types=["application/json"])
@handles_errors
def adjust_member(member_id: str) -> Response:
    """Add or take points with a reason; the idempotency key makes a retry return the same entry."""
    from chalicelib.services import adjustments
    from chalicelib.web.shapes import reading, requests
    from chalicelib.web.wire import answer, entry_body

    key = caller(bp, "write")
    asked = reading.read(json_body(bp), requests.Adjustment, "invalid_adjustment")
    entry, created = adjustments.adjust(asked.points, asked.reason, asked.idempotency_key, member_in_path(member_id),
                                        key, bootstrap.get_ledger(), bootstrap.get_clock())
    return Response(body=answer(entry_body(entry)), status_code=201 if created else 200)


@bp.route("/admin/members/{member_id}/redemptions", methods=["POST"], content_types=["application/json"])
@handles_errors
def redeem(member_id: str) -> Response:
    """Points for a reward: the code comes back at once; Shopify registration follows (see `status`)."""
    from chalicelib.services import redemptions
    from chalicelib.web.shapes import reading, requests
    from chalicelib.web.wire import answer, redemption_body

    key = caller(bp, "write")
    asked = reading.read(json_body(bp), requests.NewRedemption, "invalid_redemption")
    now = bootstrap.get_clock().now()
    connected = bootstrap.get_connector_clients().for_program(key.program_id).shopify is not None
    redemption, created = redemptions.redeem(
        asked.reward_id, asked.idempotency_key, member_in_path(member_id), key, bootstrap.get_redemptions(),
        bootstrap.get_ledger(), bootstrap.get_rewards(), bootstrap.get_rules().rules_at(key.program_id, now),
        bootstrap.get_clock(), shopify_connected=connected)
    if created:
        bootstrap.get_metrics().count(REDEMPTIONS)
        bootstrap.get_metrics().count(POINTS_REDEEMED, redemption.points)
    return Response(body=answer(redemption_body(redemption)), status_code=201 if created else 200)


@bp.route("/admin/members/{member_id}/redemptions", methods=["GET"])
@handles_errors
def member_redemptions(member_id: str) -> dict[str, Any]:
    from chalicelib.services import members
    from chalicelib.web.wire import answer, redemption_body, shape

    key = caller(bp, "read")
    members.get_member(bootstrap.get_ledger(), key.program_id, member_in_path(member_id))
    found = bootstrap.get_redemptions().list(key.program_id, member_id)
    return answer(shape.Redemptions([redemption_body(r) for r in found]))


@bp.route("/admin/api-keys", methods=["POST"], content_types=["application/json"])
@handles_errors
def create_api_key() -> Response:
    """A new key of the caller's program: the key itself is in this response only."""
    from chalicelib.services import api_keys
    from chalicelib.web.shapes import reading, requests
    from chalicelib.web.wire import answer, created_api_key_body

    body = json_body(bp)
    owner = caller(bp, "owner")
    asked = reading.read(body, requests.NewApiKey, "invalid_api_key")
    key, plain = api_keys.create_key(asked.name, frozenset(asked.scopes), owner, bootstrap.get_api_keys(),
                                     bootstrap.get_clock())
    return Response(body=answer(created_api_key_body(key, plain)), status_code=201)


@bp.route("/admin/api-keys", methods=["GET"])
@handles_errors
def list_api_keys() -> dict[str, Any]:
    from chalicelib.web.wire import answer, api_key_body, shape

    key = caller(bp, "owner")
    return answer(shape.ApiKeys([api_key_body(k) for k in bootstrap.get_api_keys().list(key.program_id)]))


@bp.route("/admin/api-keys/{key_id}", methods=["DELETE"])
@handles_errors
def revoke_api_key(key_id: str) -> dict[str, Any]:
    from chalicelib.services import api_keys
    from chalicelib.web.wire import answer, api_key_body

    owner = caller(bp, "owner")
    revoked = api_keys.revoke_key(key_in_path(key_id), owner, bootstrap.get_api_keys(), bootstrap.get_clock())
    return answer(api_key_body(revoked))


@bp.route("/admin/audit", methods=["GET"])
@handles_errors
def audit_trail() -> dict[str, Any]:
    """Every change made through the API, newest first: who, when, what, before and after, why."""
    from chalicelib.services import members
    from chalicelib.web.wire import answer, audit_body, shape

    key = caller(bp, "read")
    limit = members.page_limit(query(bp, "limit"))
    records, cursor = bootstrap.get_audit().page(key.program_id, opened(query(bp, "cursor"), key.program_id, "audit"),
                                                 limit)
    return answer(shape.Audit([audit_body(r) for r in records], sealed(cursor, key.program_id, "audit")))


@bp.route("/admin/openapi.json", methods=["GET"])
def openapi_document() -> dict[str, Any]:
    from chalicelib.web import openapi  # built from every shape: only when asked for

    return openapi.document()
