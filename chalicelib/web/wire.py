"""Domain objects → JSON bodies of the admin API (times ISO-8601 with offset, points integers)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.ledger import LedgerEntry, Member


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
