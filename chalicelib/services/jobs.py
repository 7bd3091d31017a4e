"""Scheduled work over the Due index. Each job takes "now" from its schedule event, so it can run as of any time.

A job reads only the days since its last run and the items due; an item that fails stays due and keeps the
cursor at its day, so the next run tries it again.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.domain.due import INACTIVITY_TASK, ORDER_TASK, TIER_TASK
from chalicelib.observability import logger
from chalicelib.services.member_jobs import expire_if_inactive, review_tier
from chalicelib.services.orders import release_order
from chalicelib.services.ports import Clock, DueItem, DueWork, LedgerRepository, RulesSource


@dataclass
class JobReport:
    done: int = 0
    failed: list[str] = field(default_factory=list)


def run_due(program_id: str, task: str, now: datetime, due: DueWork, handle: Callable[[DueItem], object]) -> JobReport:
    report = JobReport()
    items = due.due(program_id, task, now)
    for item in items:
        try:
            handle(item)
            report.done += 1
        except Exception:
            logger.exception("due_work_failed", extra={"task": task, "ref": item.ref, "program_id": program_id})
            report.failed.append(item.ref)
    failed_days = [i.due_at.date() for i in items if i.ref in report.failed]
    due.advance(program_id, task, min(failed_days) if failed_days else now.date())
    return report


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
