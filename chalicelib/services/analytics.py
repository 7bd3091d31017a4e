"""The program's figures for the admin API and the dashboard: so far the monthly cohorts the nightly run counts."""
from __future__ import annotations

from datetime import date, datetime

from chalicelib.domain import cohorts as c
from chalicelib.domain.errors import InvalidRequest
from chalicelib.services.ports.journey import JourneyStore

INVALID = "invalid_query"


def cohort_table(program_id: str, start: str | None, end: str | None,
                 store: JourneyStore) -> tuple[datetime | None, list[c.Cohort]]:
    """The cohorts of the last completed nightly run whose month falls from `start`'s to `end`'s (dates, inclusive;
    each open when not given), with the run's time; (None, []) before any run."""
    first, last = _month(start, "from"), _month(end, "to")
    if first is not None and last is not None and first > last:
        raise InvalidRequest("from must not follow to", code=INVALID)
    latest = store.latest_counts(program_id)
    if latest is None:
        return None, []
    as_of, counts = latest
    return as_of, c.cohorts(counts, as_of.date(), first, last)


def _month(value: str | None, name: str) -> str | None:
    if not value:
        return None
    try:
        return c.month_key(date.fromisoformat(value))
    except ValueError as e:
        raise InvalidRequest(f"{name} must be a date, YYYY-MM-DD", code=INVALID) from e
