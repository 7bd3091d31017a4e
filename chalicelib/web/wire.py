"""Domain objects → JSON bodies of the admin API (times ISO-8601 with offset, points integers)."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from chalicelib.domain.accounting import OrderAccount
from chalicelib.domain.audit import AuditRecord
from chalicelib.domain.ledger import LedgerEntry, Member
from chalicelib.domain.messages import Message
from chalicelib.domain.redemptions import Redemption
from chalicelib.domain.rewards import Reward
from chalicelib.domain.standing import Standing
from chalicelib.services.ports.profiles import DataRequest
from chalicelib.services.ports.programs import ApiKey


def member_body(member: Member) -> dict[str, Any]:
    return {
        "member_id": member.member_id,
        "email": member.email,
        "first_name": member.first_name,
        "points_balance": member.points_balance,
        "pending_points": member.pending_points,
        "lifetime_points": member.lifetime_points,
        "tier": member.tier,
        "identities": list(member.identities),
        "email_consent": member.email_consent,
        "consent_updated_at": _time(member.consent_updated_at),
        "erased_at": _time(member.erased_at),
        "unsubscribed": sorted(member.unsubscribed),
        "unsubscribed_at": _time(member.unsubscribed_at),
        "hard_bounced": member.hard_bounced,
        "complained": member.complained,
        "merged_into": member.merged_into,
        "merged_from": list(member.merged_from),
        "created_at": member.created_at.isoformat(),
        "updated_at": member.updated_at.isoformat(),
    }


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def entry_body(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "entry_id": entry.entry_id,
        "kind": entry.kind.value,
        "points": entry.points,
        "pending_points": entry.pending_points,
        "occurred_at": entry.occurred_at.isoformat(),
        "recorded_at": entry.recorded_at.isoformat(),
        "source": entry.source,
        "base_amount": entry.base.to_wire() if entry.base else None,
        "presentment_amount": entry.presentment_base.to_wire() if entry.presentment_base else None,
        "rule_version": entry.rule_version,
        "reason": entry.reason,
    }


def order_body(account: OrderAccount) -> dict[str, Any]:
    award = account.award
    return {
        "shop": account.shop, "order_id": account.order_id,
        "points_earned": award.points if award else 0,
        "base_amount": award.base.to_wire() if award else None,
        "rule_version": award.rule_version if award else None,
        "points_reversed": account.reversed_points, "points_expired": account.expired,
        "refund_ids": sorted(account.refunds), "cancelled_at": _time(account.cancelled_at),
        "fulfillments": [{"fulfillment_id": fid, "status": f.status, "shipment_status": f.shipment_status,
                          "created_at": _time(f.created_at), "delivered_at": _time(f.delivered_at)}
                         for fid, f in sorted(account.fulfillments.items())],
    }


def data_request_body(request: DataRequest) -> dict[str, Any]:
    return {"request_id": request.request_id, "member_id": request.member_id, "shop": request.shop,
            "customer_id": request.customer_id, "orders_requested": list(request.orders_requested),
            "received_at": request.received_at.isoformat()}


def message_body(message: Message) -> dict[str, Any]:
    return {"message_id": message.message_id, "kind": message.kind, "category": message.category,
            "status": message.status, "due_at": message.due_at.isoformat(), "reason": message.reason,
            "ses_message_id": message.ses_message_id, "attempts": message.attempts,
            "created_at": _time(message.created_at), "updated_at": _time(message.updated_at)}


def reward_body(reward: Reward) -> dict[str, Any]:
    return {"reward_id": reward.reward_id, "name": reward.name, "kind": reward.kind,
            "value": format(reward.value, "f") if reward.value is not None else None,
            "points_cost": reward.points_cost,
            "minimum_subtotal": format(reward.minimum_subtotal, "f") if reward.minimum_subtotal is not None else None,
            "validity_days": reward.validity_days, "active": reward.active, "created_at": reward.created_at.isoformat()}


def audit_body(record: AuditRecord) -> dict[str, Any]:
    """An audit record on the wire: before and after as JSON values, not strings."""
    return {"audit_id": record.audit_id, "key_id": record.key_id, "at": record.at.isoformat(),
            "action": record.action, "target": record.target,
            "before": json.loads(record.before) if record.before else None,
            "after": json.loads(record.after) if record.after else None, "reason": record.reason}


def api_key_body(key: ApiKey) -> dict[str, Any]:
    return {"key_id": key.key_id, "name": key.name, "scopes": sorted(key.scopes),
            "created_at": _time(key.created_at), "created_by": key.created_by, "revoked_at": _time(key.revoked_at)}


def redemption_body(r: Redemption) -> dict[str, Any]:
    return {"redemption_id": r.redemption_id, "member_id": r.member_id, "reward_id": r.reward_id,
            "reward_name": r.reward_name, "kind": r.reward_kind, "value": r.reward_value, "points": r.points,
            "code": r.code, "status": r.status, "created_at": r.created_at.isoformat(),
            "expires_at": _time(r.expires_at), "attempts": r.attempts, "shopify_discount_id": r.discount_id,
            "last_error": r.last_error, "next_attempt_at": _time(r.retry_at)}


def profile_body(member: Member, standing: Standing, currency: str) -> dict[str, Any]:
    """A member with where they stand: progress to the next tier, what keeps the tier, what expires when."""
    def money(amount: Any) -> dict[str, str] | None:
        return None if amount is None else {"amount": format(amount, ".2f"), "currency": currency}

    return {**member_body(member), "birthday": member.birthday.isoformat() if member.birthday else None,
            "standing": {
                "qualifying_spend": money(standing.qualifying_spend), "next_tier": standing.next_tier,
                "spend_to_next_tier": money(standing.spend_to_next_tier),
                "spend_to_keep_tier": money(standing.spend_to_keep_tier),
                "tier_review_at": _time(standing.tier_review_at),
                "next_expiry_at": _time(standing.next_expiry_at), "next_expiry_points": standing.next_expiry_points}}


def timeline_body(at: datetime, item: LedgerEntry | Message) -> dict[str, Any]:
    if isinstance(item, Message):
        return {"at": at.isoformat(), "type": "message", "message": message_body(item)}
    return {"at": at.isoformat(), "type": "ledger", "entry": entry_body(item)}
