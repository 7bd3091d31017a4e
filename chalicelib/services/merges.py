"""One member per person, whichever system speaks first.

A person known to HubSpot before their first Shopify order (or known to the engine under another email) gets a
member of their own; when the same person turns up as a Shopify customer with that email, or a merchant says two
members are one person, the two are merged: the member whose id derives from the Shopify customer stays (every
order addresses it without a lookup, so an award stays at two round trips), the other is absorbed with entries
that move its balances (see domain/merges.py).
"""
from __future__ import annotations

from chalicelib.domain.audit import audit_record
from chalicelib.domain.errors import ConcurrentChange, Conflict, DuplicateEntry, InvalidRequest, NotFound
from chalicelib.domain.ledger import Identity, Member, primary_identity
from chalicelib.domain.merges import has_shopify_identity, plan_merge
from chalicelib.domain.program import ProgramRules
from chalicelib.services.ports.clock import Clock
from chalicelib.services.ports.ledger import LedgerRepository

SYSTEM_KEY = "system:identity"       # who merges when the engine recognises a person by email
ATTEMPTS = 5
MAX_HOPS = 4                         # a member absorbed into one that was absorbed later, and so on


def absorb_by_email(program_id: str, target_id: str, target_primary: Identity, email: str, ledger: LedgerRepository,
                    rules: ProgramRules, clock: Clock) -> list[str]:
    """Members with this email who have no Shopify customer (HubSpot contacts, say) join the target; their ids."""
    found = [m for m in ledger.find_by_email(program_id, email, exclude=target_id)
             if not m.erased_at and not m.merged_into and not has_shopify_identity(m)]
    absorbed = []
    for source in found:
        if _merge(program_id, source, target_id, target_primary, ledger, rules, clock, SYSTEM_KEY,
                  "same email as a Shopify customer"):
            absorbed.append(source.member_id)
    return absorbed


def join_shopify_member(program_id: str, member_id: str, email: str, ledger: LedgerRepository, rules: ProgramRules,
                        clock: Clock) -> str | None:
    """A member without a Shopify customer whose email is a Shopify customer's joins that member; its id."""
    matches = [m for m in ledger.find_by_email(program_id, email, exclude=member_id)
               if not m.erased_at and not m.merged_into and has_shopify_identity(m)]
    source = ledger.get_member(program_id, member_id)
    if len(matches) != 1 or source is None or source.merged_into or source.erased_at or has_shopify_identity(source):
        return None                   # none, or several Shopify customers share it: a merchant decides
    target = matches[0]
    primary = primary_identity(program_id, target)
    if primary is None:
        return None
    _merge(program_id, source, target.member_id, primary, ledger, rules, clock, SYSTEM_KEY,
           "same email as a Shopify customer")
    return target.member_id


def merge_on_request(program_id: str, member_id: str, other_id: str, reason: str, actor: str,
                     ledger: LedgerRepository, rules: ProgramRules, clock: Clock) -> Member:
    """A merchant says two members are one person: the survivor, after the merge."""
    if member_id == other_id:
        raise InvalidRequest("a member cannot be merged with itself", code="invalid_merge")
    first, second = _live(ledger, program_id, member_id), _live(ledger, program_id, other_id)
    if first.member_id == second.member_id:
        return first                  # merged before: asking again changes nothing
    if has_shopify_identity(first) and has_shopify_identity(second):
        raise Conflict("both members are Shopify customers; orders keep addressing each by its customer id, so "
                       "they cannot be merged here", code="merge_not_supported")
    target, source = (second, first) if has_shopify_identity(second) else (first, second)
    primary = primary_identity(program_id, target)
    if primary is None:
        raise Conflict("the surviving member has no identity of its own", code="merge_not_supported")
    _merge(program_id, source, target.member_id, primary, ledger, rules, clock, actor, reason)
    return _live(ledger, program_id, target.member_id)


def current_member(ledger: LedgerRepository, program_id: str, member_id: str) -> Member:
    """The member, or the one it was merged into: where a change for this person belongs now."""
    member = ledger.get_member(program_id, member_id)
    for _ in range(MAX_HOPS):
        if member is None or not member.merged_into:
            break
        member = ledger.get_member(program_id, member.merged_into)
    if member is None or member.merged_into:
        raise NotFound(f"no member {member_id}")
    return member


def _live(ledger: LedgerRepository, program_id: str, member_id: str) -> Member:
    member = current_member(ledger, program_id, member_id)
    if member.erased_at:
        raise Conflict(f"member {member.member_id} was erased", code="member_erased")
    return member


def _merge(program_id: str, source: Member, target_id: str, target_primary: Identity, ledger: LedgerRepository,
           rules: ProgramRules, clock: Clock, actor: str, reason: str) -> bool:
    """Absorb the source; False when it was absorbed before (by another delivery, say)."""
    order = tuple(t.name for t in rules.tiers)
    for _ in range(ATTEMPTS):
        now = clock.now()
        target = ledger.get_member(program_id, target_id)
        plan = plan_merge(source, target, target_id, order, now, reason)
        audit = audit_record(actor, now, "member.merge", f"member:{target_id}",
                             before={"member_id": source.member_id, "points_balance": source.points_balance,
                                     "pending_points": source.pending_points},
                             after={"member_id": target_id, "points_balance": (target.points_balance if target
                                                                               else 0) + source.points_balance},
                             reason=reason)
        try:
            ledger.merge_members(program_id, plan, target_primary, audit)
            return True
        except DuplicateEntry:
            return False
        except ConcurrentChange:
            fresh = ledger.get_member(program_id, source.member_id)
            if fresh is None or fresh.merged_into or fresh.erased_at:
                return False
            source = fresh
    raise ConcurrentChange("the members kept changing while merging; the delivery will be retried")
