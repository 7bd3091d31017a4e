"""Campaign mail when it is sent: the member's merge values, as they stand at that moment.

A campaign step creates a `campaign_message` with the merchant's content (domain/campaign_content.py); the dispatcher
runs it through every gate like any marketing mail, then this fills `data["merge"]` with the facts its merge fields
name (points, tier, progress, the next reward, predictions). The composer formats them for the reader.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.gates import Decision
from chalicelib.domain.ledger import Member
from chalicelib.domain.messages import Message
from chalicelib.domain.program import ProgramRules
from chalicelib.domain.rewards import Reward
from chalicelib.domain.standing import standing
from chalicelib.services.ports.programs import MessagingSettings

CAMPAIGN_MESSAGE = "campaign_message"


def campaign_gate(message: Message, member: Member | None, rules: ProgramRules, rewards: Sequence[Reward],
                  settings: MessagingSettings, now: datetime) -> tuple[Decision | None, Message]:
    """The message with its merge values filled in (never held: the gates before it decided)."""
    if member is None:
        return Decision("skip", "no such member"), message
    return None, replace(message, data={**message.data, "merge": merge_values(member, rules, rewards, settings, now)})


def merge_values(member: Member, rules: ProgramRules, rewards: Sequence[Reward], settings: MessagingSettings,
                 now: datetime) -> dict[str, Any]:
    """The merge fields' facts, JSON-ready: numbers as ints, amounts as decimal strings in `currency`, dates as ISO
    dates in the program's time zone; None where the member has none (no next tier, no model, no reward)."""
    where = standing(member, rules, now)
    reward = next_reward(rewards, member.points_balance)
    prediction = member.prediction
    next_order = prediction.expected_next_order_at if prediction else None
    return {
        "first_name": member.first_name, "points": member.points_balance, "tier": member.tier,
        "next_tier": where.next_tier, "spend_to_next_tier": _amount(where.spend_to_next_tier),
        "next_reward": reward.name if reward else None,
        "points_to_next_reward": max(reward.points_cost - member.points_balance, 0) if reward else None,
        "predicted_clv": _amount(prediction.predicted_clv_365d if prediction else None),
        "expected_next_order": next_order.astimezone(ZoneInfo(settings.policy.timezone)).date().isoformat()
        if next_order else None,
        "currency": settings.currency, "store_url": settings.storefront, "program_name": settings.program_name,
    }


def next_reward(rewards: Sequence[Reward], balance: int) -> Reward | None:
    """The cheapest active reward the balance does not cover yet; when it covers them all, the cheapest."""
    active = sorted((r for r in rewards if r.active), key=lambda r: (r.points_cost, r.reward_id))
    return next((r for r in active if r.points_cost > balance), active[0] if active else None)


def _amount(value: Decimal | None) -> str | None:
    return format(value.quantize(Decimal("0.01")), "f") if value is not None else None
