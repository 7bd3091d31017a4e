import csv
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.purchase_history import Purchase, PurchaseSummary, summarize

CDNOW = Path(__file__).resolve().parents[2] / "data" / "cdnow"
CDNOW_END = datetime(1997, 9, 30, 23, 59, 59, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")
AS_OF = datetime(2026, 6, 30, 12, tzinfo=UTC)


def cdnow_purchases() -> dict[int, list[Purchase]]:
    """CDNOW_sample.txt by sample customer id; each date taken as midnight UTC."""
    purchases: dict[int, list[Purchase]] = defaultdict(list)
    for line in (CDNOW / "CDNOW_sample.txt").read_text().splitlines():
        _, customer, day, _, value = line.split()
        at = datetime.combine(datetime.strptime(day, "%Y%m%d").date(), time(), UTC)
        purchases[int(customer)].append(Purchase(at, Decimal(value)))
    return purchases


def published(name: str) -> list[dict[str, str]]:
    with (CDNOW / name).open() as f:
        return list(csv.DictReader(f))


def two_places(value: float | Decimal) -> str:
    return str(Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP))


def bought(day: date, value: str, hour: int = 12, zone=UTC) -> Purchase:
    return Purchase(datetime.combine(day, time(hour), zone), Decimal(value))


def test_summaries_of_the_cdnow_transactions_equal_the_published_summaries_for_every_customer():
    purchases = cdnow_purchases()
    rows = published("cdnow_customers_summary_with_transactions.csv")
    assert len(rows) == len(purchases) == 2357
    for row in rows:
        s = summarize(purchases[int(row["ID"])], CDNOW_END, UTC)
        assert s is not None
        assert (s.x, two_places(s.t_x), two_places(s.T), two_places(s.zbar)) == (
            int(row["x"]), row["t_x"], row["T"], row["zbar"]), row["ID"]


def test_summaries_of_the_cdnow_transactions_equal_the_frequency_recency_file():
    purchases = cdnow_purchases()
    for row in published("cdnow_customers_summary.csv"):
        s = summarize(purchases[int(row["ID"])], CDNOW_END, UTC)
        assert s is not None
        assert (s.x, round(s.t_x, 2), round(s.T, 2)) == (int(row["frequency"]), float(row["recency"]), float(row["T"]))


def test_purchases_on_one_day_are_one_purchase_day_with_their_values_summed():
    first = date(2026, 1, 5)
    purchases = [bought(first, "10"), bought(first + timedelta(days=14), "5", hour=9),
                 bought(first + timedelta(days=14), "7.50", hour=18), bought(first + timedelta(days=28), "20")]
    assert summarize(purchases, AS_OF, UTC) == PurchaseSummary(x=2, t_x_days=28, age_days=176, zbar=Decimal("16.25"))


def test_a_one_day_customer_has_no_repeat_days_and_a_zero_mean():
    s = summarize([bought(date(2026, 6, 2), "30"), bought(date(2026, 6, 2), "12", hour=20)], AS_OF, UTC)
    assert s == PurchaseSummary(x=0, t_x_days=0, age_days=28, zbar=Decimal(0))
    assert (s.t_x, s.T) == (0, 4)


def test_days_after_as_of_are_ignored_and_a_customer_who_starts_later_has_no_summary():
    purchases = [bought(date(2026, 6, 1), "10"), bought(date(2026, 6, 30), "4", hour=23), bought(date(2026, 7, 1), "9")]
    assert summarize(purchases, AS_OF, UTC) == PurchaseSummary(x=1, t_x_days=29, age_days=29, zbar=Decimal(4))
    assert summarize([bought(date(2026, 7, 1), "9")], AS_OF, UTC) is None
    assert summarize([], AS_OF, UTC) is None


def test_the_calendar_is_the_programs_time_zone():
    # 23:30 in New York on 1 June is 03:30 UTC on 2 June: the same day as the next morning's order there, not in UTC.
    late = Purchase(datetime(2026, 6, 1, 23, 30, tzinfo=NEW_YORK), Decimal(10))
    next_morning = Purchase(datetime(2026, 6, 2, 8, tzinfo=NEW_YORK), Decimal(5))
    assert summarize([late, next_morning], AS_OF, NEW_YORK).x == 1
    assert summarize([late, next_morning], AS_OF, UTC).x == 0


def test_a_time_without_an_offset_is_refused():
    with pytest.raises(ValueError, match="offset"):
        summarize([Purchase(datetime(2026, 6, 1, 12), Decimal(1))], AS_OF, UTC)
    with pytest.raises(ValueError, match="offset"):
        summarize([bought(date(2026, 6, 1), "1")], datetime(2026, 6, 30), UTC)


START = datetime(2026, 1, 1, tzinfo=UTC)
purchase_lists = st.lists(
    st.builds(lambda day, minute, cents: Purchase(START + timedelta(days=day, minutes=minute), Decimal(cents) / 100),
              st.integers(0, 250), st.integers(0, 1439), st.integers(0, 100_000)),
    max_size=30)


@given(purchase_lists, st.randoms())
def test_a_summary_does_not_depend_on_the_order_of_the_purchases(purchases, random):
    shuffled = list(purchases)
    random.shuffle(shuffled)
    assert summarize(purchases, AS_OF, UTC) == summarize(shuffled, AS_OF, UTC)


@given(purchase_lists)
def test_a_summary_is_within_its_bounds(purchases):
    s = summarize(purchases, AS_OF, UTC)
    if s is None:
        return
    assert 0 <= s.x < len(purchases)
    assert 0 <= s.t_x_days <= s.age_days <= (AS_OF.date() - START.date()).days
    assert (s.x == 0) == (s.t_x_days == 0)
    assert s.zbar >= 0
