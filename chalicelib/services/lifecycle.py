"""Messages about a member's standing: points about to expire, a tier about to be lost.

They are created with the change that sets their date (activity moves the expiry; a tier change sets the
review) and checked again when due: a date moved by later activity, nothing left to expire or a tier already
kept drops the message with that reason; otherwise the exact figures are filled in at send time.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from chalicelib.domain import tiers
from chalicelib.domain.gates import Decision
from chalicelib.domain.ledger import Member
from chalicelib.domain.messages import Message, new_message
from chalicelib.domain.program import INACTIVITY, ProgramRules

EXPIRY_NOTICE_DAYS = (30, 3)
TIER_NOTICE_DAYS = 30
LIFECYCLE_KINDS = frozenset({"points_expiring", "tier_at_risk"})


def expiry_notices(member_id: str, expires_at: datetime, now: datetime) -> tuple[Message, ...]:
    return tuple(new_message(f"points_expiring:{member_id}:{expires_at.isoformat()}:{days}", member_id,
                             "points_expiring", expires_at - timedelta(days=days),
                             {"expires_on": expires_at.date().isoformat(), "expires_at": expires_at.isoformat()})
                 for days in EXPIRY_NOTICE_DAYS if expires_at - timedelta(days=days) > now)


def tier_notice(member_id: str, tier: str, review_at: datetime, now: datetime) -> tuple[Message, ...]:
    due = review_at - timedelta(days=TIER_NOTICE_DAYS)
    if tier == "" or due <= now:
        return ()
    return (new_message(f"tier_at_risk:{member_id}:{tier}:{review_at.isoformat()}", member_id, "tier_at_risk", due,
                        {"tier": tier, "review_at": review_at.isoformat()}),)


def lifecycle_gate(message: Message, member: Member | None, rules: ProgramRules,
                   currency: str) -> tuple[Decision | None, Message]:
    if member is None:
        return Decision("skip", "no such member"), message
    if message.kind == "points_expiring":
        return _expiring(message, member, rules)
    return _at_risk(message, member, rules, currency)


def _expiring(message: Message, member: Member, rules: ProgramRules) -> tuple[Decision | None, Message]:
    if rules.expiry.policy != INACTIVITY or member.last_activity_at is None:
        return Decision("skip", "points no longer expire by inactivity"), message
    current = tiers.add_months(member.last_activity_at, rules.expiry.months)
    if current.isoformat() != message.data["expires_at"]:
        return Decision("skip", "the expiry moved with later activity"), message
    if member.points_balance <= 0:
        return Decision("skip", "no points left to expire"), message
    data = {**message.data, "points": member.points_balance, "balance": member.points_balance}
    return None, replace(message, data=data)


def _at_risk(message: Message, member: Member, rules: ProgramRules, currency: str) -> tuple[Decision | None, Message]:
    review_at = datetime.fromisoformat(message.data["review_at"])
    if member.tier != message.data["tier"] or member.tier_review_at != review_at:
        return Decision("skip", "the tier or its review date changed"), message
    needed = rules.tier_named(member.tier).threshold - tiers.rolling_spend(member.spend, review_at)
    if needed <= 0:
        return Decision("skip", "the member already keeps the tier"), message
    data = {**message.data, "amount": format(needed.quantize(Decimal("0.01")), "f"), "currency": currency,
            "by": review_at.date().isoformat()}
    return None, replace(message, data=data)
