"""Manual adjustments: a reason and an idempotency key on every one, an audit record with before and after.

Same key and same body → the same entry again (200); same key, other body → 409; a debit never takes the
spendable balance below zero.
"""
from __future__ import annotations

import hashlib
import json
from typing import Protocol

from chalicelib.domain.audit import AuditRecord, audit_record
from chalicelib.domain.errors import ConcurrentChange, Conflict, DuplicateEntry, InsufficientPoints
from chalicelib.domain.ledger import EntryKind, LedgerEntry, entry_id_for
from chalicelib.services.merges import current_member
from chalicelib.services.ports.clock import Clock
from chalicelib.services.ports.ledger import LedgerRepository
from chalicelib.services.ports.programs import ApiKey

MAX_POINTS = 10_000_000


class AdjustmentStore(LedgerRepository, Protocol):
    def adjust(self, program_id: str, member_id: str, entry: LedgerEntry, request_hash: str, expected_version: int,
               audit: AuditRecord) -> None: ...

    def idempotent_result(self, program_id: str, business_key: str) -> tuple[str, LedgerEntry] | None: ...


def adjust(points: int, reason: str, idempotency_key: str, member_id: str, key: ApiKey, ledger: AdjustmentStore,
           clock: Clock) -> tuple[LedgerEntry, bool]:
    """The adjustment's entry, and whether it was created now (False: a repeat of the same request).

    `points` is non-zero and within MAX_POINTS, `reason` stripped (web/shapes/requests.py checks the request)."""
    request_hash = hashlib.sha256(json.dumps([member_id, points, reason]).encode()).hexdigest()
    business_key = f"adjust:{idempotency_key}"
    for _ in range(3):
        earlier = ledger.idempotent_result(key.program_id, business_key)
        if earlier is not None:
            if earlier[0] != request_hash:
                raise Conflict("this idempotency key was used with another request", code="idempotency_conflict")
            return earlier[1], False
        member = current_member(ledger, key.program_id, member_id)     # a merged member's points go to the person
        if points < 0 and member.points_balance + points < 0:
            raise InsufficientPoints(f"the balance is {member.points_balance}; it cannot go below zero")
        now = clock.now()
        entry = LedgerEntry(entry_id=entry_id_for(business_key), business_key=business_key, kind=EntryKind.ADJUST,
                            points=points, occurred_at=now, recorded_at=now, reason=reason,
                            source={"key_id": key.key_id, "idempotency_key": idempotency_key})
        audit = audit_record(key.key_id, now, "adjustment.create", f"member:{member.member_id}",
                             before={"points_balance": member.points_balance},
                             after={"points_balance": member.points_balance + points, "entry_id": entry.entry_id},
                             reason=reason)
        try:
            ledger.adjust(key.program_id, member.member_id, entry, request_hash, member.version, audit)
            return entry, True
        except (DuplicateEntry, ConcurrentChange):
            continue
    raise ConcurrentChange("the member kept changing; try again")
