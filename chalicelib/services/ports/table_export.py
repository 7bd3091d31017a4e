"""What the analytics export job needs: the table's exports to S3 and where the last one ended (its watermark)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

FULL: Literal["FULL_EXPORT"] = "FULL_EXPORT"
INCREMENTAL: Literal["INCREMENTAL_EXPORT"] = "INCREMENTAL_EXPORT"


@dataclass(frozen=True)
class ExportRequest:
    """One ExportTableToPointInTime: a FULL export as of `end`, or the changes written in [start, end)."""

    kind: Literal["FULL_EXPORT", "INCREMENTAL_EXPORT"]
    start: datetime | None
    end: datetime
    client_token: str          # the same window gives the same token: DynamoDB starts it once (8 h idempotency)
    s3_prefix: str


@dataclass(frozen=True)
class Watermark:
    """The newest FULL export's time (the views' baseline) and the end of the last export asked for."""

    full_at: datetime
    exported_to: datetime


class WatermarkMoved(Exception):
    """Another run advanced the watermark since this one read it."""


class TableExports(Protocol):
    def watermark(self) -> Watermark | None: ...

    def start_export(self, request: ExportRequest) -> str:
        """Ask DynamoDB for the export; returns its ARN (the same one again for a retried request)."""
        ...

    def advance(self, previous: Watermark | None, new: Watermark) -> None:
        """Record the new watermark, only if it is still `previous` (else WatermarkMoved)."""
        ...
