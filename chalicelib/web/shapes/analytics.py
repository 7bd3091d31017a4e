"""What the analytics endpoints answer (domain/cohorts.py says what each figure means)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from msgspec import Meta, Struct

from chalicelib.domain.cohorts import Cohort
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
