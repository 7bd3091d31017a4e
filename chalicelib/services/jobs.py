"""Scheduled work over the Due index. Each job takes "now" from its schedule event, so it can run as of any time.

A job reads only the days since its last run and the items due; an item that fails stays due and keeps the
cursor at its day, so the next run tries it again. After MAX_ATTEMPTS consecutive failures the item is parked:
recorded (GET /admin/jobs/parked), logged as `due_item_parked` (an alarm counts them) and no longer tried nor
holding the cursor, so one bad item cannot stop a job for ever. A success clears an item's failures.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from chalicelib.domain.due import INACTIVITY_TASK, ORDER_TASK, TIER_TASK
from chalicelib.observability import logger
from chalicelib.services.member_jobs import expire_if_inactive, review_tier
from chalicelib.services.orders import release_order
from chalicelib.services.ports.clock import Clock
from chalicelib.services.ports.due import DueItem, DueWork
from chalicelib.services.ports.ledger import LedgerRepository
from chalicelib.services.ports.programs import RulesSource

MAX_ATTEMPTS = 5        # consecutive failures of a due item (at one due time) before it is parked
ERROR_LENGTH = 300      # characters of an error kept with a failing item
_EMAIL = re.compile(r"[^\s@<>()\[\]'\",;:]+@[^\s@<>()\[\]'\",;:]+")


@dataclass
class JobReport:
    done: int = 0
    failed: list[str] = field(default_factory=list)
    parked: list[str] = field(default_factory=list)     # failed for the last allowed time in this run


def run_due(program_id: str, task: str, now: datetime, due: DueWork, handle: Callable[[DueItem], object]) -> JobReport:
    report = JobReport()
    items = due.due(program_id, task, now)
    known = due.failures(program_id, task) if items else {}
    held: list[date] = []
    for item in items:
        failure = known.get(item.ref)
        if failure is not None and failure.parked_at is not None and failure.due_at == item.due_at:
            continue                                  # parked: left to a person, it no longer holds the cursor
        try:
            handle(item)
        except Exception as e:
            logger.exception("due_work_failed", extra={"task": task, "ref": item.ref, "program_id": program_id})
            report.failed.append(item.ref)
            if _failed(program_id, task, item, now, due, e):
                report.parked.append(item.ref)
            else:
                held.append(item.due_at.date())
            continue
        report.done += 1
        if failure is not None:
            due.clear_failure(program_id, task, item.ref)
    due.advance(program_id, task, min(held, default=now.date()))
    return report


def _failed(program_id: str, task: str, item: DueItem, now: datetime, due: DueWork, error: Exception) -> bool:
    """Record the failure; park the item (True) when it has failed MAX_ATTEMPTS times in a row."""
    attempts = due.record_failure(program_id, task, item, now, describe_error(error))
    if attempts < MAX_ATTEMPTS:
        return False
    due.park(program_id, task, item.ref, now)
    logger.error("due_item_parked", extra={"program_id": program_id, "task": task, "ref": item.ref,
                                           "attempts": attempts})
    return True


def describe_error(error: Exception) -> str:
    """The exception's class and message, at most ERROR_LENGTH characters, email addresses masked."""
    text = f"{type(error).__name__}: {_EMAIL.sub('<email>', str(error))}" if str(error) else type(error).__name__
    return text[:ERROR_LENGTH]


def orders_due(program_id: str, now: datetime, ledger: LedgerRepository, due: DueWork, rules: RulesSource,
               clock: Clock) -> JobReport:
    """Release pending points whose hold ended and expire award lots whose time came."""
    return run_due(program_id, ORDER_TASK, now, due,
                   lambda item: release_order(program_id, item.ref, now, ledger, rules, clock))


def expire_inactive(program_id: str, now: datetime, ledger: LedgerRepository, due: DueWork,
                    rules: RulesSource) -> JobReport:
    return _members(program_id, INACTIVITY_TASK, now, ledger, due, rules, expire_if_inactive)


def review_tiers(program_id: str, now: datetime, ledger: LedgerRepository, due: DueWork,
                 rules: RulesSource) -> JobReport:
    return _members(program_id, TIER_TASK, now, ledger, due, rules, review_tier)


def _members(program_id: str, task: str, now: datetime, ledger: LedgerRepository, due: DueWork, rules: RulesSource,
             work: Callable[..., str]) -> JobReport:
    current = rules.rules_at(program_id, now)

    def handle(item: DueItem) -> None:
        member = ledger.get_member(program_id, item.ref)
        if member is not None:
            work(program_id, member, current, now, ledger)

    return run_due(program_id, task, now, due, handle)
