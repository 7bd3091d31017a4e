"""Scheduled work: each job takes its time from the schedule's event, so it can be run "as of" any time."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.observability import logger
from chalicelib.services.orders import release_order
from chalicelib.services.ports import Clock, DueWork, LedgerRepository

RELEASE = "release"


@dataclass
class JobReport:
    done: int = 0
    failed: list[str] = field(default_factory=list)


def release_pending(program_id: str, now: datetime, ledger: LedgerRepository, due: DueWork,
                    clock: Clock) -> JobReport:
    """Release every order whose hold period ended by `now`; failures stay due for the next run."""
    report = JobReport()
    items = due.due(program_id, RELEASE, now)
    for item in items:
        try:
            release_order(program_id, item.ref, now, ledger, clock)
            report.done += 1
        except Exception:
            logger.exception("release_failed", extra={"ref": item.ref, "program_id": program_id})
            report.failed.append(item.ref)
    failed_days = [i.due_at.date() for i in items if i.ref in report.failed]
    due.advance(program_id, RELEASE, min(failed_days) if failed_days else now.date())
    return report
