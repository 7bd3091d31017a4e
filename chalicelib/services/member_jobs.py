"""Member-level due work: inactivity expiry of the whole balance, and the yearly tier review."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from chalicelib.domain import tiers
from chalicelib.domain.due import INACTIVITY_TASK
from chalicelib.domain.figures import tier_deltas
from chalicelib.domain.ledger import EntryKind, LedgerEntry, Member, entry_id_for
from chalicelib.domain.program import INACTIVITY, ProgramRules
from chalicelib.services.lifecycle import tier_notice
from chalicelib.services.ports.ledger import LedgerRepository, MemberChange


def expire_if_inactive(program_id: str, member: Member, rules: ProgramRules, now: datetime,
                       ledger: LedgerRepository) -> str:
    """Expire the whole spendable balance after N months without earning or spending; else look again later."""
    base = MemberChange(expected_version=member.version)
    if rules.expiry.policy != INACTIVITY or member.last_activity_at is None:
        ledger.commit_member(program_id, member.member_id, [], _with(base, clear_due=(INACTIVITY_TASK,)), now)
        return "dropped"
    due = tiers.add_months(member.last_activity_at, rules.expiry.months)
    if due > now:
        ledger.commit_member(program_id, member.member_id, [], _with(base, inactivity_expiry_at=due), now)
        return "rescheduled"
    entries = []
    if member.points_balance > 0:
        key = f"member:{member.member_id}:inactivity:{member.last_activity_at.isoformat()}"
        entries.append(LedgerEntry(entry_id=entry_id_for(key), business_key=key, kind=EntryKind.EXPIRE,
                                   points=-member.points_balance, occurred_at=due, recorded_at=now,
                                   reason=f"no activity for {rules.expiry.months} months",
                                   source={"job": "expire_inactive"}))
    ledger.commit_member(program_id, member.member_id, entries, _with(base, clear_due=(INACTIVITY_TASK,)), now)
    return "expired" if entries else "nothing_to_expire"


def review_tier(program_id: str, member: Member, rules: ProgramRules, now: datetime,
                ledger: LedgerRepository) -> str:
    """Once a year: the tier the last 12 months of qualifying spend earn, which may be lower."""
    change = tiers.review(rules, member.tier, member.spend, now)
    notices = tier_notice(member.member_id, change.new, change.review_at, now) \
        if change.new != rules.tiers[0].name else ()
    ledger.commit_member(program_id, member.member_id, [],
                         MemberChange(expected_version=member.version, tier_change=change,
                                      messages=rules.sendable(notices),
                                      figures=tuple(tier_deltas(change, [t.name for t in rules.tiers]))), now)
    return "unchanged" if change.new == change.old else f"{change.old}->{change.new}"


def _with(change: MemberChange, **fields: object) -> MemberChange:
    return replace(change, **fields)  # type: ignore[arg-type]
