"""The daily export of the table to S3 for SQL (Athena; infra/analytics). Table-wide: one run for every program."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint, Cron
from chalice.app import CloudWatchEvent

from chalicelib import bootstrap
from chalicelib.jobs.schedules import event_time
from chalicelib.observability import logger, observed

bp = Blueprint(__name__)
invocation = observed(bootstrap.get_metrics)


@bp.schedule(Cron(20, 4, "*", "*", "?", "*"), name="analytics_export")
@invocation
def analytics_export(event: CloudWatchEvent) -> dict[str, Any]:
    """Daily: the table's changes since the last export (the first run, and monthly: all of it) to the bucket."""
    from chalicelib.services import analytics_export as export

    settings = bootstrap.get_settings()
    if settings.stage == "local":        # DynamoDB Local has no exports: `make analytics-export` writes one instead
        logger.info("job_done", extra={"job": "analytics_export", "skipped": "local stage"})
        return {"skipped": "local stage: run `make analytics-export`"}
    report = export.run(settings.table_name, bootstrap.get_table_exports(), event_time(event))
    watermark = report.watermark
    result = {"exports": report.started,
              "exported_to": watermark.exported_to.isoformat() if watermark else None}
    logger.info("job_done", extra={"job": "analytics_export", **result})
    return result
