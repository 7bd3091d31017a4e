"""What the analytics endpoints answer (domain/cohorts.py says what each figure means)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from msgspec import Meta, Struct, field

from chalicelib.domain.cohorts import Cohort
from chalicelib.domain.figures import Figures
from chalicelib.services import analytics
from chalicelib.web.shapes.responses import Time


class CohortRow(Struct, kw_only=True):
    cohort: Annotated[str, Meta(description="YYYY-MM: the month of the customers' first purchase day")]
    customers: int
    retention: Annotated[list[float], Meta(description=(
        "the share of the cohort with a purchase day in month 0 (1.0), 1, 2, … up to the run's month"))]
    revenue_per_customer: Annotated[str, Meta(description="the value of the cohort's purchase days ÷ its customers")]


class Cohorts(Struct, kw_only=True):
    as_of: Annotated[Time | None, Meta(description="the nightly run the figures come from; null before the first")]
    cohorts: list[CohortRow]


def cohorts_body(as_of: datetime | None, found: Sequence[Cohort]) -> Cohorts:
    return Cohorts(as_of=as_of.isoformat() if as_of else None, cohorts=[
        CohortRow(cohort=c.cohort, customers=c.customers, retention=list(c.retention),
                  revenue_per_customer=str(c.revenue_per_customer)) for c in found])


Rate = Annotated[float | None, Meta(description="a share from 0 to 1 (4 decimals); null when its denominator is 0")]


class Amount(Struct, kw_only=True):
    amount: Annotated[str, Meta(description="a decimal string, 2 places")]
    currency: str


class PeriodFigures(Struct, kw_only=True):
    """A period's figures; the README's "Analytics" section defines each in one sentence."""

    from_: Annotated[str, Meta(description="the first day, YYYY-MM-DD")] = field(name="from")
    to: Annotated[str, Meta(description="the last day, YYYY-MM-DD (inclusive)")]
    days: int
    members_enrolled: Annotated[int | None, Meta(description="profiles made in the period (nightly)")]
    customers_active: int
    customers_new: int
    customers_returning: int
    revenue: Amount
    retention_rate: Rate
    repeat_purchase_rate: Rate
    redemption_rate: Rate
    redemptions: int
    tier_upgrades: Annotated[int, Meta(description="members moved up a tier in the period")]
    tier_downgrades: Annotated[int, Meta(description="members moved down a tier in the period")]
    nps: float | None
    nps_responses: int
    csat: float | None
    mean_sentiment: float | None
    points_issued: int
    points_redeemed: int
    points_expired: int
    points_reversed: int
    points_outstanding: Annotated[int, Meta(description="at the end of the period")]
    liability: Amount
    breakage_rate: Rate
    expected_breakage: Rate


class EmailKind(Struct, kw_only=True):
    kind: Annotated[str, Meta(description="the message kind (points_earned, review_request, nps_survey, …)")]
    sent: int
    delivered: Annotated[int, Meta(description="SES delivery notices")]
    opened: Annotated[int, Meta(description="first opens (SES open tracking)")]
    clicked: Annotated[int, Meta(description="people's clicks on tracked links (link scanners left out)")]


class TierCount(Struct, kw_only=True):
    tier: str
    members: int


class SeriesDay(Struct, kw_only=True):
    day: str
    members_enrolled: int | None
    customers_new: int
    customers_returning: int
    revenue: str
    points_issued: int
    points_redeemed: int
    points_expired: int


class Summary(PeriodFigures, kw_only=True):
    as_of: Annotated[Time, Meta(description="when these figures were read: the live ones are this fresh")]
    nightly_as_of: Annotated[Time | None, Meta(description="the nightly run the nightly figures come from")]
    freshness: Annotated[dict[str, str], Meta(description="each figure's name → live or nightly")]
    currency: str
    point_value: str
    members_total: Annotated[int | None, Meta(description="live members at the nightly run")]
    tiers: Annotated[list[TierCount], Meta(description="members per tier at the nightly run, lowest tier first")]
    clv_historic: Annotated[Amount | None, Meta(description="the mean value of a customer's purchase days so far")]
    clv_predicted: Annotated[Amount | None, Meta(description="the mean of the model's 365-day CLV where it predicts")]
    email: Annotated[list[EmailKind], Meta(description="the period's mail by kind")]
    previous: Annotated[PeriodFigures, Meta(description="the same figures for the period of equal length before")]
    series: list[SeriesDay]


def _rate(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _figures(period: analytics.PeriodFigures, point_value: Decimal, currency: str) -> dict[str, Any]:
    fig: Figures = period.figures
    tally = period.feedback
    return dict(
        from_=period.period.first.isoformat(), to=period.period.last.isoformat(), days=period.period.days,
        members_enrolled=period.members_enrolled, customers_active=fig.customers_active,
        customers_new=fig.customers_new, customers_returning=fig.customers_returning,
        revenue=Amount(amount=str(fig.revenue), currency=currency),
        retention_rate=_rate(fig.retention_rate), repeat_purchase_rate=_rate(fig.repeat_purchase_rate),
        redemption_rate=_rate(fig.redemption_rate), redemptions=fig.redemptions,
        tier_upgrades=fig.tier_upgrades, tier_downgrades=fig.tier_downgrades,
        nps=tally.nps, nps_responses=len(tally.nps_scores), csat=tally.csat, mean_sentiment=tally.mean_sentiment,
        points_issued=fig.points_issued, points_redeemed=fig.points_redeemed, points_expired=fig.points_expired,
        points_reversed=fig.points_reversed, points_outstanding=fig.points_outstanding,
        liability=Amount(amount=str(fig.liability(point_value)), currency=currency),
        breakage_rate=_rate(fig.breakage_rate), expected_breakage=_rate(fig.expected_breakage))


def _amount(value: Decimal | None, currency: str) -> Amount | None:
    return Amount(amount=str(value), currency=currency) if value is not None else None


def summary_body(found: analytics.Summary) -> Summary:
    point_value, currency = found.point_value, found.currency
    return Summary(
        **_figures(found.current, point_value, currency), as_of=found.as_of.isoformat(),
        nightly_as_of=found.nightly_as_of.isoformat() if found.nightly_as_of else None,
        freshness=dict(analytics.FRESHNESS), currency=currency, point_value=str(point_value),
        members_total=found.members_total, tiers=[TierCount(tier=t, members=n) for t, n in found.tiers],
        clv_historic=_amount(found.clv_historic, currency), clv_predicted=_amount(found.clv_predicted, currency),
        email=[EmailKind(kind=kind, **counts) for kind, counts in found.email.items()],
        previous=PeriodFigures(**_figures(found.previous, point_value, currency)),
        series=[_day(day, values) for day, values in found.series])


def _day(day: date, values: Mapping[str, Decimal | int | None]) -> SeriesDay:
    def n(name: str) -> int:
        return int(values[name] or 0)

    enrolled = values["members_enrolled"]
    return SeriesDay(day=day.isoformat(), members_enrolled=None if enrolled is None else int(enrolled),
                     customers_new=n("customers_new"), customers_returning=n("customers_returning"),
                     revenue=str(Decimal(values["revenue"] or 0).quantize(Decimal("0.01"))),
                     points_issued=n("points_issued"), points_redeemed=n("points_redeemed"),
                     points_expired=n("points_expired"))
