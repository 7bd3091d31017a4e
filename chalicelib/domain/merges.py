"""Two members who turn out to be one person: what moves from the one absorbed to the one that stays.

Nothing is rewritten. Two `merge` entries move the balances (one out of the absorbed member, one into the
surviving member), so each member's balances still equal the sums of its own entries; qualifying spend, spent
credit, identities and opt-outs move with them, and the absorbed member keeps its history and a pointer.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from chalicelib.domain.figures import Delta, merge_deltas
from chalicelib.domain.ledger import EntryKind, LedgerEntry, Member, entry_id_for

SHOPIFY = "shopify"


@dataclass(frozen=True)
class TierMove:
    tier: str
    since: datetime | None
    review_at: datetime | None


@dataclass(frozen=True)
class MemberMerge:
    source: Member                      # absorbed: left with zero balances and `merged_into`
    target_id: str                      # stays (its profile may not exist yet: a customer seen for the first time)
    target_version: int                 # the target profile's version as read (0: none yet)
    out_entry: LedgerEntry
    in_entry: LedgerEntry
    spend: dict[str, Decimal]           # qualifying spend by month that moves
    tier: TierMove | None               # the source's tier, when it is above the target's
    activity_at: datetime | None        # the source's last activity, when later than the target's
    consent: tuple[str, datetime] | None   # the source's consent state, when newer than the target's
    figures: tuple[Delta, ...] = ()     # the day counters' purchase events of one customer instead of two


def merge_key(source_id: str) -> str:
    """The business key of a merge: a member is absorbed at most once."""
    return f"merge:{source_id}"


def has_shopify_identity(member: Member) -> bool:
    return any(identity.startswith(f"{SHOPIFY}:") for identity in member.identities)


def plan_merge(source: Member, target: Member | None, target_id: str, tier_order: tuple[str, ...],
               at: datetime, reason: str) -> MemberMerge:
    """Move everything the source holds to the target (`tier_order`: the program's tier names, lowest first)."""
    key = merge_key(source.member_id)
    lifetime = source.lifetime_points
    out_entry = LedgerEntry(entry_id=entry_id_for(f"{key}:out"), business_key=f"{key}:out", kind=EntryKind.MERGE,
                            points=-source.points_balance, pending_points=-source.pending_points,
                            lifetime_points=-lifetime, occurred_at=at, recorded_at=at, reason=reason,
                            source={"merged_into": target_id})
    in_entry = LedgerEntry(entry_id=entry_id_for(f"{key}:in"), business_key=f"{key}:in", kind=EntryKind.MERGE,
                           points=source.points_balance, pending_points=source.pending_points,
                           lifetime_points=lifetime, occurred_at=at, recorded_at=at, reason=reason,
                           source={"merged_from": source.member_id})
    return MemberMerge(
        source=source, target_id=target_id, target_version=target.version if target else 0,
        out_entry=out_entry, in_entry=in_entry, spend={m: v for m, v in source.spend.items() if v},
        tier=_higher_tier(source, target, tier_order), activity_at=_later_activity(source, target),
        consent=_newer_consent(source, target),
        figures=tuple(merge_deltas(source.purchase_days, target.purchase_days if target else ())))


def _rank(tier: str, order: tuple[str, ...]) -> int:
    return order.index(tier) if tier in order else 0


def _higher_tier(source: Member, target: Member | None, order: tuple[str, ...]) -> TierMove | None:
    current = target.tier if target else order[0]
    if _rank(source.tier, order) <= _rank(current, order):
        return None
    return TierMove(source.tier, source.tier_since, source.tier_review_at)


def _later_activity(source: Member, target: Member | None) -> datetime | None:
    mine = source.last_activity_at
    theirs = target.last_activity_at if target else None
    return mine if mine is not None and (theirs is None or mine > theirs) else None


def _newer_consent(source: Member, target: Member | None) -> tuple[str, datetime] | None:
    if source.email_consent is None or source.consent_updated_at is None:
        return None
    theirs = target.consent_updated_at if target else None
    if theirs is not None and theirs >= source.consent_updated_at:
        return None
    return source.email_consent, source.consent_updated_at
