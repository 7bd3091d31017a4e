"""The daily export of the table to S3 that Athena reads (infra/analytics): one FULL export, then INCREMENTAL ones.

Each run exports up to its own time, rounded down to the hour and at least PITR_LAG behind it (point-in-time
recovery can restore up to about five minutes ago), so a retried run (the same scheduled event, the same time)
asks for the same windows with the same client tokens, and DynamoDB starts each export once.

    no watermark yet, the last FULL export older than FULL_EVERY, or the last export ended more than MAX_CATCH_UP
    ago (point-in-time recovery keeps 35 days)          → one FULL export as of the run's end time
    otherwise                                          → INCREMENTAL exports from the watermark to the end time,
                                                         24 h at most each (DynamoDB's limit), 15 min at least

The views take the newest FULL export as their baseline and only the incremental changes since it, so older
exports can expire (the bucket's lifecycle) and a FULL export after a gap loses nothing. The watermark is a small
item in the table, advanced after each export with a condition, so two overlapping runs never both move it.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from chalicelib.services.ports.table_export import FULL, INCREMENTAL, ExportRequest, TableExports, Watermark

PITR_LAG = timedelta(minutes=10)
MIN_WINDOW = timedelta(minutes=15)
MAX_WINDOW = timedelta(hours=24)
MAX_CATCH_UP = timedelta(days=7)
FULL_EVERY = timedelta(days=30)
PREFIX = "exports"


@dataclass(frozen=True)
class ExportReport:
    started: list[str] = field(default_factory=list)       # "<kind> <start>..<end>" per export asked for
    watermark: Watermark | None = None


def export_end(now: datetime) -> datetime:
    return (now.astimezone(UTC) - PITR_LAG).replace(minute=0, second=0, microsecond=0)


def client_token(table: str, kind: str, start: datetime | None, end: datetime) -> str:
    window = f"{table}|{kind}|{start.isoformat() if start else '-'}|{end.isoformat()}"
    return hashlib.sha256(window.encode()).hexdigest()[:40]


def full_prefix(end: datetime) -> str:
    """The views read a FULL export's time from its prefix: exports/full/<epoch seconds>/AWSDynamoDB/…"""
    return f"{PREFIX}/full/{int(end.timestamp())}"


def needs_full(last: Watermark, end: datetime) -> bool:
    return end - last.full_at >= FULL_EVERY or end - last.exported_to > MAX_CATCH_UP


def plan(table: str, last: Watermark | None, now: datetime) -> list[ExportRequest]:
    """The exports a run at `now` asks for, in order."""
    end = export_end(now)
    if last is None or needs_full(last, end):
        return [ExportRequest(FULL, None, end, client_token(table, FULL, None, end), full_prefix(end))]
    requests, start = [], last.exported_to
    while end - start >= MIN_WINDOW:
        stop = min(start + MAX_WINDOW, end)
        requests.append(ExportRequest(INCREMENTAL, start, stop, client_token(table, INCREMENTAL, start, stop),
                                      f"{PREFIX}/incremental"))
        start = stop
    return requests


def run(table: str, exports: TableExports, now: datetime) -> ExportReport:
    """Ask for the planned exports one by one, moving the watermark after each (a failure keeps what was done)."""
    last = exports.watermark()
    started = []
    for request in plan(table, last, now):
        exports.start_export(request)
        new = Watermark(request.end if request.kind == FULL or last is None else last.full_at, request.end)
        exports.advance(last, new)
        last = new
        start = request.start.isoformat() if request.start else ""
        started.append(f"{request.kind} {start}..{request.end.isoformat()}")
    return ExportReport(started, last)
