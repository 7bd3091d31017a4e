"""Monthly cohorts: one customer's counts, and the triangle from them, checked against a computation of its own over
the CDNOW sample (Fader and Hardie: 2,357 customers, all first buying in January–March 1997)."""
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from chalicelib.domain import cohorts as c

CDNOW = Path(__file__).resolve().parents[2] / "data" / "cdnow" / "CDNOW_sample.txt"
THROUGH = date(1998, 6, 30)


def test_a_customer_counts_once_in_their_first_months_cohort_and_once_per_month_they_ordered():
    days = {date(2026, 1, 5): Decimal("10.00"), date(2026, 1, 20): Decimal("5.50"), date(2026, 3, 1): Decimal("1.25"),
            date(2026, 7, 1): Decimal("99")}
    assert c.cohort_counts(days, date(2026, 6, 30)) == Counter({
        "cohort:2026-01:customers": 1, "cohort:2026-01:m0": 1, "cohort:2026-01:m2": 1, "cohort:2026-01:cents": 1675})
    assert c.cohort_counts(days, date(2025, 12, 31)) == Counter()        # nothing bought by then


def test_the_triangle_runs_to_the_runs_month_and_revenue_is_per_customer():
    counts = c.cohort_counts({date(2026, 1, 5): Decimal(10)}, date(2026, 3, 31)) + \
        c.cohort_counts({date(2026, 1, 9): Decimal(20), date(2026, 3, 2): Decimal(5)}, date(2026, 3, 31)) + \
        c.cohort_counts({date(2026, 3, 30): Decimal(1)}, date(2026, 3, 31))
    found = c.cohorts(counts, date(2026, 3, 31))
    assert [(k.cohort, k.customers, k.retention, k.revenue_per_customer) for k in found] == [
        ("2026-01", 2, (1.0, 0.0, 0.5), Decimal("17.50")), ("2026-03", 1, (1.0,), Decimal("1.00"))]
    assert [k.cohort for k in c.cohorts(counts, date(2026, 3, 31), first="2026-02")] == ["2026-03"]
    assert [k.cohort for k in c.cohorts(counts, date(2026, 3, 31), last="2026-02")] == ["2026-01"]


@pytest.fixture(scope="module")
def cdnow():
    """Customer → purchase day → value (the sample's lines of one day added up)."""
    found: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for line in CDNOW.read_text().splitlines():
        _, customer, day, _, amount = line.split()
        found[customer][date(int(day[:4]), int(day[4:6]), int(day[6:]))] += Decimal(amount)
    return found


def test_the_cdnow_cohorts_match_a_count_of_their_own(cdnow):
    counts = sum((c.cohort_counts(days, THROUGH) for days in cdnow.values()), Counter())
    found = {k.cohort: k for k in c.cohorts(counts, THROUGH)}
    # The same figures another way: months numbered along a calendar, customers grouped by their first month.
    calendar = [(1997 + i // 12, 1 + i % 12) for i in range(18)]
    groups: dict[int, list[dict[date, Decimal]]] = defaultdict(list)
    for days in cdnow.values():
        groups[calendar.index((min(days).year, min(days).month))].append(days)
    assert sum(k.customers for k in found.values()) == 2357 == len(cdnow)
    assert sorted(found) == ["1997-01", "1997-02", "1997-03"]
    for start, members in groups.items():
        year, number = calendar[start]
        month = found[f"{year}-{number:02d}"]
        active = [sum(any(calendar.index((d.year, d.month)) == start + k for d in days) for days in members)
                  for k in range(18 - start)]
        assert month.customers == len(members)
        assert month.retention == tuple(round(n / len(members), 4) for n in active)
        total = sum(sum(days.values()) for days in members)
        assert month.revenue_per_customer == (total / len(members)).quantize(Decimal("0.01"))
    assert (found["1997-01"].retention[0], len(found["1997-01"].retention)) == (1.0, 18)
