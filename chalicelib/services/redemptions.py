"""Redemption: points for a reward, as a single-use discount code for the customer, registered with Shopify.

The request deducts the points in one conditional transaction and answers with the code at once. The code
is registered with Shopify (`discountCodeBasicCreate`, customer-specific, one use, expiry) by the
`register_discounts` job, which retries transient failures with backoff; a permanent failure gives the
points back with a reversing entry and tells the member. Without a Shopify connector (or for a member who has
no Shopify identity) the code is issued as "not registered" and emailed at once.
"""
from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from chalicelib.domain.audit import AuditRecord, audit_record
from chalicelib.domain.due import REGISTRATION_TASK
from chalicelib.domain.errors import (
    ConcurrentChange,
    Conflict,
    ConnectorRejected,
    DuplicateEntry,
    InsufficientPoints,
    LoyaltyError,
    NotFound,
    Retryable,
)
from chalicelib.domain.ledger import EntryKind, LedgerEntry, Member, entry_id_for
from chalicelib.domain.messages import Message, new_message
from chalicelib.domain.program import INACTIVITY, ProgramRules
from chalicelib.domain.redemptions import (
    FAILED,
    MAX_ATTEMPTS,
    NOT_REGISTERED,
    PENDING,
    REGISTERED,
    Redemption,
    new_code,
    new_redemption_id,
    retry_delay,
)
from chalicelib.domain.rewards import Reward
from chalicelib.domain.tiers import add_months
from chalicelib.services.jobs import JobReport, run_due
from chalicelib.services.lifecycle import expiry_notices
from chalicelib.services.merges import current_member
from chalicelib.services.ports.clock import Clock
from chalicelib.services.ports.connectors import DiscountCodes, DiscountSpec
from chalicelib.services.ports.due import DueItem, DueWork
from chalicelib.services.ports.ledger import LedgerRepository, MemberChange
from chalicelib.services.ports.programs import ApiKey
from chalicelib.services.ports.rewards import RewardCatalog

ATTEMPTS = 40          # conflicts on a hot profile are retried; each try re-reads the balance
SYSTEM_KEY = "system:register_discounts"
GIVER_KEY = "system:offers"      # the actor of rewards given by offers (campaigns), in entries and audit records
GIVE_ATTEMPTS = 5


class RedemptionStore(Protocol):
    def redeem(self, program_id: str, redemption: Redemption, entry: LedgerEntry, request_hash: str,
               change: MemberChange, audit: AuditRecord) -> None: ...

    def by_idempotency_key(self, program_id: str, idempotency_key: str) -> tuple[str, Redemption | None] | None: ...

    def get(self, program_id: str, member_id: str, redemption_id: str) -> Redemption | None: ...

    def list(self, program_id: str, member_id: str) -> list[Redemption]: ...

    def settle(self, program_id: str, before: Redemption, after: Redemption, now: datetime,
               messages: tuple[Message, ...] = ()) -> bool: ...

    def give_up(self, program_id: str, before: Redemption, after: Redemption, reversal: LedgerEntry,
                change: MemberChange, audit: AuditRecord, now: datetime) -> bool: ...


def redeem(reward_id: str, idempotency_key: str, member_id: str, caller: ApiKey, store: RedemptionStore,
           ledger: LedgerRepository, catalog: RewardCatalog, rules: ProgramRules, clock: Clock,
           shopify_connected: bool, pause: Callable[[float], None] = time.sleep) -> tuple[Redemption, bool]:
    """The redemption and whether it was made now (False: the same request again)."""
    request_hash = hashlib.sha256(json.dumps([member_id, reward_id]).encode()).hexdigest()
    for attempt in range(ATTEMPTS):
        earlier = store.by_idempotency_key(caller.program_id, idempotency_key)
        if earlier is not None:
            if earlier[0] != request_hash or earlier[1] is None:
                raise Conflict("this idempotency key was used with another request", code="idempotency_conflict")
            return earlier[1], False
        member = current_member(ledger, caller.program_id, member_id)   # a merged member: the person's member
        reward = _reward(catalog.list(caller.program_id), reward_id)
        if member.erased_at is not None:
            raise Conflict("this member's data was erased; they cannot redeem", code="member_erased")
        if member.points_balance < reward.points_cost:
            raise InsufficientPoints(f"the balance is {member.points_balance}; {reward.name} costs "
                                     f"{reward.points_cost}")
        redemption, entry, change, audit = _plan(member, reward, idempotency_key, caller, rules, clock.now(),
                                                 shopify_connected)
        try:
            store.redeem(caller.program_id, redemption, entry, request_hash, change, audit)
            return redemption, True
        except DuplicateEntry:
            continue
        except ConcurrentChange:
            pause(random.uniform(0.005, 0.02) * min(attempt + 1, 10))   # noqa: S311 (jitter, not security)
    raise ConcurrentChange("the member kept changing; try again")


def _plan(member: Member, reward: Reward, idempotency_key: str, caller: ApiKey, rules: ProgramRules, now: datetime,
          shopify_connected: bool) -> tuple[Redemption, LedgerEntry, MemberChange, AuditRecord]:
    business_key = f"redeem:{idempotency_key}"
    redemption = _new_redemption(member, reward, idempotency_key, now, shopify_connected, reward.points_cost)
    entry = LedgerEntry(entry_id=redemption.entry_id, business_key=business_key, kind=EntryKind.REDEEM,
                        points=-reward.points_cost, occurred_at=now, recorded_at=now, reason=reward.name,
                        source={"key_id": caller.key_id, "redemption_id": redemption.redemption_id,
                                "reward_id": reward.reward_id})
    expires = add_months(now, rules.expiry.months) if rules.expiry.policy == INACTIVITY else None
    messages = (code_message(redemption),) if redemption.status == NOT_REGISTERED else ()
    change = MemberChange(expected_version=None, check_version=False, require_balance=reward.points_cost,
                          spend_credit=reward.points_cost, activity_at=now, inactivity_expiry_at=expires,
                          messages=messages + (expiry_notices(member.member_id, expires, now) if expires else ()))
    audit = audit_record(caller.key_id, now, "redemption.create", f"member:{member.member_id}",
                         before={"points_balance": member.points_balance},
                         after={"points_balance": member.points_balance - reward.points_cost,
                                "redemption_id": redemption.redemption_id, "reward_id": reward.reward_id},
                         reason=reward.name)
    return redemption, entry, change, audit


def _new_redemption(member: Member, reward: Reward, idempotency_key: str, now: datetime, shopify_connected: bool,
                    points: int) -> Redemption:
    customer_id = _shopify_customer(member)
    status = PENDING if shopify_connected and customer_id else NOT_REGISTERED
    return Redemption(
        redemption_id=new_redemption_id(), member_id=member.member_id, reward_id=reward.reward_id,
        reward_name=reward.name, reward_kind=reward.kind,
        reward_value=format(reward.value, "f") if reward.value is not None else None,
        minimum_subtotal=format(reward.minimum_subtotal, "f") if reward.minimum_subtotal is not None else None,
        points=points, code=new_code(), status=status, created_at=now,
        expires_at=now + timedelta(days=reward.validity_days) if reward.validity_days else None,
        customer_id=customer_id, entry_id=entry_id_for(f"redeem:{idempotency_key}"),
        idempotency_key=idempotency_key, updated_at=now,
        last_error=None if status == PENDING else _why_unregistered(shopify_connected))


def give_reward(program_id: str, member: Member, reward: Reward, idempotency_key: str, store: RedemptionStore,
                now: datetime, shopify_connected: bool) -> tuple[Redemption, bool]:
    """A reward's code given at no points cost (an offer), and whether it was given now (False: given before under
    this key). The redemption machinery without the debit: a 0-point entry, the code registered with Shopify by
    `register_discounts` when connected (then mailed), else mailed at once; no activity (the member did nothing)."""
    request_hash = hashlib.sha256(json.dumps([member.member_id, reward.reward_id, "given"]).encode()).hexdigest()
    for _ in range(GIVE_ATTEMPTS):
        earlier = store.by_idempotency_key(program_id, idempotency_key)
        if earlier is not None:
            if earlier[0] != request_hash or earlier[1] is None:
                raise Conflict("this idempotency key was used with another request", code="idempotency_conflict")
            return earlier[1], False
        redemption = _new_redemption(member, reward, idempotency_key, now, shopify_connected, 0)
        entry = LedgerEntry(entry_id=redemption.entry_id, business_key=f"redeem:{idempotency_key}",
                            kind=EntryKind.REDEEM, points=0, occurred_at=now, recorded_at=now,
                            reason=f"{reward.name} (given, no points)",
                            source={"key_id": GIVER_KEY, "redemption_id": redemption.redemption_id,
                                    "reward_id": reward.reward_id})
        mail = (code_message(redemption),) if redemption.status == NOT_REGISTERED else ()
        audit = audit_record(GIVER_KEY, now, "redemption.give", f"member:{member.member_id}",
                             before={"points_balance": member.points_balance},
                             after={"points_balance": member.points_balance,
                                    "redemption_id": redemption.redemption_id, "reward_id": reward.reward_id},
                             reason=reward.name)
        try:
            store.redeem(program_id, redemption, entry, request_hash,
                         MemberChange(expected_version=None, check_version=False, messages=mail), audit)
            return redemption, True
        except (DuplicateEntry, ConcurrentChange):
            continue
    raise ConcurrentChange("the member kept changing; try again")


def register(program_id: str, redemption: Redemption, store: RedemptionStore, ledger: LedgerRepository,
             discounts: DiscountCodes | None, now: datetime) -> str:
    """Try to register a pending code with Shopify once; the outcome is stored. Returns the new status."""
    if redemption.status != PENDING:
        return redemption.status
    if discounts is None or redemption.customer_id is None:     # the connector was removed meanwhile
        settled = replace(redemption, status=NOT_REGISTERED, updated_at=now, retry_at=None,
                          last_error=_why_unregistered(False))
        store.settle(program_id, redemption, settled, now, (code_message(settled),))
        return NOT_REGISTERED
    try:
        discount_id = discounts.create_discount_code(discount_spec(redemption))
    except ConnectorRejected as e:
        return _give_up(program_id, redemption, store, ledger, now, e)
    except Retryable as e:                       # unavailable, throttled, daily limit: try again later
        attempts = redemption.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            return _give_up(program_id, redemption, store, ledger, now, e)
        retry = replace(redemption, attempts=attempts, updated_at=now, retry_at=now + retry_delay(attempts),
                        last_error=e.message[:300])
        store.settle(program_id, redemption, retry, now)
        return PENDING
    registered = replace(redemption, status=REGISTERED, discount_id=discount_id, attempts=redemption.attempts + 1,
                         updated_at=now, retry_at=None, last_error=None)
    store.settle(program_id, redemption, registered, now, (code_message(registered),))
    return REGISTERED


def _give_up(program_id: str, redemption: Redemption, store: RedemptionStore, ledger: LedgerRepository,
             now: datetime, error: LoyaltyError) -> str:
    member = ledger.get_member(program_id, redemption.member_id)
    balance = (member.points_balance if member else 0) + redemption.points
    key = reversal_key(redemption)
    reversal = LedgerEntry(entry_id=entry_id_for(key), business_key=key, kind=EntryKind.REDEEM,
                           points=redemption.points, occurred_at=now, recorded_at=now,
                           reason="reward could not be issued; points returned",
                           source={"redemption_id": redemption.redemption_id})
    failed = replace(redemption, status=FAILED, attempts=redemption.attempts + 1, updated_at=now, retry_at=None,
                     last_error=error.message[:300])
    notice = new_message(f"redemption_failed:{redemption.redemption_id}", redemption.member_id, "redemption_failed",
                         now, {"reward_name": redemption.reward_name, "points": redemption.points,
                               "balance": balance})
    change = MemberChange(expected_version=None, check_version=False, spend_credit=-redemption.points,
                          messages=(notice,))
    audit = audit_record(SYSTEM_KEY, now, "redemption.reverse", f"member:{redemption.member_id}",
                         before={"status": PENDING}, after={"status": FAILED, "points_returned": redemption.points,
                                                            "redemption_id": redemption.redemption_id},
                         reason=error.message[:300])
    if not store.give_up(program_id, redemption, failed, reversal, change, audit, now):
        return store_status(store, program_id, redemption)     # another run settled it first
    return FAILED


def reversal_key(redemption: Redemption) -> str:
    """The business key of the entry giving a redemption's points back: its own key space, named by the
    redemption (never by the caller's idempotency key, which could otherwise take it)."""
    return f"redemption-reversal:{redemption.redemption_id}"


def store_status(store: RedemptionStore, program_id: str, redemption: Redemption) -> str:
    current = store.get(program_id, redemption.member_id, redemption.redemption_id)
    return current.status if current else redemption.status


def discount_spec(r: Redemption) -> DiscountSpec:
    title = f"Loyalty reward: {r.reward_name} ({r.points} points)" if r.points else f"Loyalty gift: {r.reward_name}"
    return DiscountSpec(title=title, code=r.code,
                        customer_id=r.customer_id or "", starts_at=r.created_at, ends_at=r.expires_at,
                        kind=r.reward_kind, value=Decimal(r.reward_value) if r.reward_value else None,
                        minimum_subtotal=Decimal(r.minimum_subtotal) if r.minimum_subtotal else None)


def code_message(r: Redemption) -> Message:
    return new_message(f"reward_code:{r.redemption_id}", r.member_id, "reward_code", r.updated_at or r.created_at,
                       {"reward_name": r.reward_name, "code": r.code, "points": r.points,
                        "expires_on": r.expires_at.date().isoformat() if r.expires_at else None,
                        "registered": r.status == REGISTERED})


def _shopify_customer(member: Member) -> str | None:
    for identity in member.identities:
        kind, _, value = identity.partition(":")
        if kind == "shopify" and ":" in value:
            return value.rsplit(":", 1)[1]
    return None


def _why_unregistered(shopify_connected: bool) -> str:
    return ("the member has no Shopify customer to tie the code to" if shopify_connected
            else "no Shopify connector is configured: apply the code by hand")


def _reward(rewards: list[Reward], reward_id: str) -> Reward:
    for reward in rewards:
        if reward.reward_id == reward_id and reward.active:
            return reward
    raise NotFound(f"no active reward {reward_id}")


def register_due(program_id: str, now: datetime, store: RedemptionStore, ledger: LedgerRepository, due: DueWork,
                 discounts: DiscountCodes | None) -> JobReport:
    """Every code whose registration is due (new ones, and transient failures whose backoff is over)."""
    def handle(item: DueItem) -> None:
        member_id, _, redemption_id = item.ref.partition("/")
        redemption = store.get(program_id, member_id, redemption_id)
        if redemption is not None:
            register(program_id, redemption, store, ledger, discounts, now)

    return run_due(program_id, REGISTRATION_TASK, now, due, handle)
