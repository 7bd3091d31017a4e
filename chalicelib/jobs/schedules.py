"""Scheduled jobs. Each takes "now" from its EventBridge event, so `make job AT=...` can run it as of any time."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from chalice import Blueprint, Rate
from chalice.app import CloudWatchEvent

from chalicelib import bootstrap
from chalicelib.observability import logger
from chalicelib.services.jobs import release_pending

bp = Blueprint(__name__)


def event_time(event: CloudWatchEvent) -> datetime:
    return datetime.fromisoformat(event.time.replace("Z", "+00:00"))


@bp.schedule(Rate(15, unit=Rate.MINUTES), name="release_pending")
def release_pending_points(event: CloudWatchEvent) -> dict[str, Any]:
    now = event_time(event)
    results = {}
    for program_id in bootstrap.get_directory().programs():
        report = release_pending(program_id, now, bootstrap.get_ledger(), bootstrap.get_due_work(),
                                 bootstrap.get_clock())
        results[program_id] = {"released": report.done, "failed": len(report.failed)}
    logger.info("release_pending_done", extra={"at": now.isoformat(), "programs": results})
    return results
