"""The program's figures for the admin API and the dashboard.

Live figures come from the day counters the ledger keeps in its own transactions (domain/figures.py); the nightly
journey run counts members, enrolments and the monthly cohorts. Reading a period costs one Query per counter shard
over the days asked for (and the period before, for retention and the change shown), never one read per member.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from chalicelib.domain import cohorts as c
from chalicelib.domain import figures as f
from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.surveys import Tally
from chalicelib.services import feedback_reports
from chalicelib.services.ports.feedback import FeedbackStore
from chalicelib.services.ports.figures import FigureStore
from chalicelib.services.ports.journey import JourneyStore
from chalicelib.services.ports.programs import ProgramDirectory, RulesSource

INVALID = "invalid_query"
DEFAULT_DAYS = 30
MAX_DAYS = 731
EARLIEST, LATEST = date(1970, 1, 1), date(9998, 12, 31)   # the reads reach back three periods; nothing is older
# Month totals are used only for months ending this long before today: facts dated earlier that arrive after a
# nightly roll-up (a late replay, a backfill) count in `points_outstanding` from the next roll-up on.
SETTLED_DAYS = 62
ENROLLED = "enrolled:"
MEMBERS = "members"
TIER = "tier:"
LIVE, NIGHTLY = "live", "nightly"
FRESHNESS = {**{name: LIVE for name in (
    "customers_active", "customers_new", "customers_returning", "revenue", "retention_rate", "repeat_purchase_rate",
    "redemption_rate", "redemptions", "points_issued", "points_redeemed", "points_expired", "points_reversed",
    "points_outstanding", "liability", "breakage_rate", "expected_breakage", "nps", "nps_responses", "csat",
    "mean_sentiment", "tier_upgrades", "tier_downgrades", "email")}, **{name: NIGHTLY for name in (
    "members_enrolled", "members_total", "tiers", "clv_historic", "clv_predicted")}}


@dataclass(frozen=True)
class PeriodFigures:
    period: f.Period
    figures: f.Figures
    members_enrolled: int | None
    feedback: Tally


@dataclass(frozen=True)
class Summary:
    as_of: datetime
    currency: str
    point_value: Decimal
    nightly_as_of: datetime | None
    members_total: int | None
    tiers: list[tuple[str, int]]              # members per tier at the nightly run, as the rules order them
    clv_historic: Decimal | None              # the mean value of a customer's purchase days so far (nightly)
    clv_predicted: Decimal | None             # the mean of the model's 365-day CLV where it predicts (nightly)
    email: dict[str, dict[str, int]]          # message kind → sent, delivered, opened, clicked in the period
    current: PeriodFigures
    previous: PeriodFigures
    series: list[tuple[date, dict[str, Decimal | int | None]]]


@dataclass(frozen=True)
class Sources:
    figures: FigureStore
    journey: JourneyStore
    feedback: FeedbackStore
    directory: ProgramDirectory
    rules: RulesSource


def summary(program_id: str, start: str | None, end: str | None, now: datetime, sources: Sources) -> Summary:
    """The period's figures (`start`, `end`: dates, inclusive; default the 30 days to today in the program's time
    zone), the same figures for the period of equal length before it, and each day's series."""
    settings = sources.directory.messaging(program_id)
    today = now.astimezone(ZoneInfo(settings.policy.timezone)).date()
    p = parse_period(start, end, today)
    q = p.previous()
    first = q.previous().first                                  # the previous period's own retention reaches back
    snapshot = sources.figures.totals(program_id, min(first, today - timedelta(days=SETTLED_DAYS)))
    read_from = min(first, snapshot[0] + timedelta(days=1)) if snapshot else None
    days = sources.figures.days(program_id, read_from, p.last)
    base_day, base = snapshot if snapshot else (date.min, f.Totals())
    counts = sources.journey.latest_counts(program_id)
    nightly = counts[1] if counts else None

    def period_figures(period: f.Period) -> PeriodFigures:
        totals = base.plus(days, base_day + timedelta(days=1), period.last)
        tally = feedback_reports.tally(sources.feedback.surveys(program_id, *_bounds(period)), None)[0][1]
        return PeriodFigures(period, f.figures(days, period, totals), _enrolled(nightly, period), tally)

    enrolled = _enrolled_by_day(nightly)
    series: list[tuple[date, dict[str, Decimal | int | None]]] = [
        (day, {"members_enrolled": enrolled.get(day, 0) if nightly is not None else None, **values})
        for day, values in f.day_series(days, p)]
    return Summary(as_of=now, currency=settings.currency,
                   point_value=sources.rules.rules_at(program_id, now).point_value,
                   nightly_as_of=counts[0] if counts else None,
                   members_total=nightly.get(MEMBERS, 0) if nightly is not None else None,
                   tiers=_tiers(nightly, [t.name for t in sources.rules.rules_at(program_id, now).tiers]),
                   clv_historic=_mean_cents(nightly, "clv:historic_cents", "clv:customers"),
                   clv_predicted=_mean_cents(nightly, "clv:predicted_cents", "clv:predicted_customers"),
                   email=f.mail_by_kind(days, p),
                   current=period_figures(p), previous=period_figures(q), series=series)


def parse_period(start: str | None, end: str | None, today: date) -> f.Period:
    last = _date(end, "to") or today
    if not EARLIEST <= last <= LATEST:
        raise InvalidRequest(f"a period lies from {EARLIEST} to {LATEST}", code=INVALID)
    first = _date(start, "from") or max(last - timedelta(days=DEFAULT_DAYS - 1), EARLIEST)
    if first < EARLIEST:
        raise InvalidRequest(f"a period lies from {EARLIEST} to {LATEST}", code=INVALID)
    if first > last:
        raise InvalidRequest("from must not follow to", code=INVALID)
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidRequest(f"a period is at most {MAX_DAYS} days", code=INVALID)
    return f.Period(first, last)


def roll_up(program_id: str, store: FigureStore, today: date) -> dict[str, int]:
    """Sum the ledger counters from the first day to the end of every month before today's (nightly), so that a
    period's outstanding points read the days since a month's end, not the program's whole history."""
    month_start = today.replace(day=1)
    days = store.days(program_id, None, month_start - timedelta(days=1))
    if not days:
        return {"months": 0}
    months: list[tuple[date, f.Totals]] = []
    totals, first = f.Totals(), min(days)
    cursor = first.replace(day=1)
    while cursor < month_start:
        following = (cursor + timedelta(days=32)).replace(day=1)
        through = following - timedelta(days=1)
        totals = totals.plus(days, cursor, through)
        months.append((through, totals))
        cursor = following
    store.save_totals(program_id, months)
    return {"months": len(months)}


def _bounds(p: f.Period) -> tuple[datetime, datetime]:
    return feedback_reports.day_bounds(p.first, p.last)


def _mean_cents(counts: Mapping[str, int] | None, cents: str, customers: str) -> Decimal | None:
    if not counts or not counts.get(customers):
        return None
    return (Decimal(counts.get(cents, 0)) / counts[customers] / 100).quantize(f.CENT, ROUND_HALF_UP)


def _tiers(counts: Mapping[str, int] | None, order: list[str]) -> list[tuple[str, int]]:
    """The program's tiers in order with their members, then any tier members still hold that the rules dropped."""
    found = {name[len(TIER):]: n for name, n in (counts or {}).items() if name.startswith(TIER)}
    return [(t, found.get(t, 0)) for t in order] + sorted((t, n) for t, n in found.items() if t not in order)


def _enrolled_by_day(counts: Mapping[str, int] | None) -> dict[date, int]:
    found: dict[date, int] = {}
    for name, n in (counts or {}).items():
        if name.startswith(ENROLLED):
            try:
                found[date.fromisoformat(name[len(ENROLLED):])] = n
            except ValueError:
                continue
    return found


def _enrolled(counts: Mapping[str, int] | None, p: f.Period) -> int | None:
    if counts is None:
        return None
    return sum(n for day, n in _enrolled_by_day(counts).items() if p.first <= day <= p.last)


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise InvalidRequest(f"{name} must be a date, YYYY-MM-DD", code=INVALID) from e


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
