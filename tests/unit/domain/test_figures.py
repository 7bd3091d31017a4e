"""The day counters: whatever order a customer's purchases arrive in, the counters hold the events of their days as
they are, and every period's customer figures read from them equal a count over the customers' purchase days."""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import figures as f
from chalicelib.domain.ledger import EntryKind, LedgerEntry
from chalicelib.domain.tiers import TierChange

START = date(2025, 1, 1)
day_offsets = st.lists(st.integers(0, 120), min_size=0, max_size=8)
populations = st.lists(st.lists(st.integers(0, 120), min_size=1, max_size=6), min_size=1, max_size=12)


def counters(customers: list[list[int]]) -> dict[date, dict[str, Decimal]]:
    """Each customer's purchases sent one by one, in the order given (duplicates and out-of-order days included)."""
    deltas: list[f.Delta] = []
    for offsets in customers:
        seen: set[date] = set()
        for offset in offsets:
            day = START + timedelta(days=offset)
            deltas += f.purchase_deltas(seen, day, Decimal("10.00"))
            seen.add(day)
    return f.by_day(deltas)


def brute(customers: list[list[int]], p: f.Period) -> dict[str, int]:
    """The figures straight from the definitions (README), customer by customer."""
    q = p.previous()
    found: dict[str, int] = defaultdict(int)
    for offsets in customers:
        days = sorted({START + timedelta(days=o) for o in offsets})
        inside = [d for d in days if p.first <= d <= p.last]
        before = [d for d in days if q.first <= d <= q.last]
        found["active"] += bool(inside)
        found["previous_active"] += bool(before)
        found["retained"] += bool(inside) and bool(before)
        if p.first <= days[0] <= p.last:
            found["new"] += 1
            found["repeated"] += len([d for d in days if d <= p.last]) >= 2
    return found


@given(day_offsets, st.randoms(use_true_random=False))
def test_the_counters_hold_the_events_of_the_days_whatever_the_order_of_arrival(offsets, random):
    shuffled = list(offsets)
    random.shuffle(shuffled)
    expected = defaultdict(lambda: defaultdict(Decimal))
    for day, name in f.purchase_events(START + timedelta(days=o) for o in offsets):
        expected[day][name] += 1
    got = counters([shuffled])
    assert {d: {n: v for n, v in names.items() if n != f.REVENUE} for d, names in got.items()} == \
        {d: dict(names) for d, names in expected.items()}


@given(populations, st.integers(0, 130), st.integers(1, 60))
def test_customer_figures_equal_a_count_over_each_customers_days(customers, start, length):
    p = f.Period(START + timedelta(days=start), START + timedelta(days=start + length - 1))
    days = counters(customers)
    expected = brute(customers, p)
    assert f.customers_active(days, p) == expected["active"]
    assert f.customers_new(days, p) == expected["new"]
    assert f.retained(days, p) == expected["retained"]
    assert f.customers_active(days, p.previous()) == expected["previous_active"]
    assert f.repeated(days, p) == expected["repeated"]


def test_a_purchase_on_a_day_already_counted_moves_only_the_revenue():
    day = date(2026, 3, 4)
    assert f.purchase_deltas({day}, day, Decimal("-5.00")) == [f.Delta(day, f.REVENUE, Decimal("-5.00"))]
    assert f.purchase_deltas({day}, day, Decimal(0)) == []


def test_an_earlier_order_arriving_late_moves_the_later_days_events():
    march, april = date(2026, 3, 1), date(2026, 4, 10)
    moved = f.by_day(f.purchase_deltas({april}, march, Decimal("20")))
    assert moved == {march: {f.FIRST: 1, f.REVENUE: Decimal(20)},
                     april: {f.FIRST: -1, "g40": 1, "s40": 1}}


def entry(kind: EntryKind, points: int, pending: int = 0, at: datetime | None = None) -> LedgerEntry:
    at = at or datetime(2026, 5, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    return LedgerEntry(entry_id="e", business_key="k", kind=kind, points=points, pending_points=pending,
                       occurred_at=at, recorded_at=datetime(2026, 5, 2, 4, 30, tzinfo=UTC))


def test_entries_count_on_the_day_of_their_own_offset_and_merges_count_nothing():
    day = date(2026, 5, 1)          # 23:30 at -05:00 is 2 May in UTC: the shop's day counts
    deltas = f.entry_deltas([entry(EntryKind.PENDING_EARN, 0, 150), entry(EntryKind.RELEASE, 150, -150),
                             entry(EntryKind.REDEEM, -500), entry(EntryKind.REDEEM, 500),
                             entry(EntryKind.EXPIRE, -20), entry(EntryKind.REVERSE, -10, -5),
                             entry(EntryKind.ADJUST, 30), entry(EntryKind.ADJUST, -7), entry(EntryKind.BONUS, 25),
                             entry(EntryKind.MERGE, 400), entry(EntryKind.MERGE, -400)])
    # a redemption given back nets its points out; it still counts as a redemption made
    assert f.by_day(deltas) == {day: {f.ISSUED: 205, f.REDEMPTIONS: 1, f.EXPIRED: 20, f.REVERSED: 22}}


def test_outstanding_points_are_what_was_issued_less_what_left_and_liability_keeps_the_expected_redemptions():
    day = date(2026, 5, 1)
    days = {day: {f.ISSUED: Decimal(1000), f.REDEEMED: Decimal(300), f.EXPIRED: Decimal(100),
                  f.REVERSED: Decimal(50)}}
    p = f.Period(day, day)
    found = f.figures(days, p, f.Totals().plus(days, day, day))
    assert found.points_outstanding == 550
    assert found.redemption_rate == Decimal("0.3000")
    assert found.breakage_rate == Decimal("0.1000")
    assert found.expected_breakage == Decimal("0.2500")                          # 100 ÷ (100 + 300)
    assert found.liability(Decimal("0.01")) == Decimal("4.13")                   # 550 × 0.01 × 0.75 = 4.125
    empty = f.figures({}, p, f.Totals())
    assert (empty.redemption_rate, empty.retention_rate, empty.liability(Decimal(1))) == (None, None, 0)


@given(day_offsets, day_offsets)
def test_a_merge_leaves_the_counters_with_one_customers_events_instead_of_two(mine, theirs):
    source = {START + timedelta(days=o) for o in mine}
    target = {START + timedelta(days=o) for o in theirs}
    deltas: list[f.Delta] = []
    for days in (source, target):
        deltas += [f.Delta(d, n, Decimal(1)) for d, n in f.purchase_events(days)]
    deltas += f.merge_deltas(source, target)
    expected = f.by_day(f.Delta(d, n, Decimal(1)) for d, n in f.purchase_events(source | target))
    assert f.by_day(deltas) == expected


def test_tier_moves_count_up_or_down_by_the_programs_order_on_their_day():
    order = ("member", "silver", "gold")
    at = datetime(2026, 5, 1, 12, tzinfo=UTC)
    assert f.tier_deltas(TierChange("member", "gold", at, at), order) == [f.Delta(date(2026, 5, 1), f.TIER_UP, 1)]
    assert f.tier_deltas(TierChange("gold", "silver", at, at), order) == [f.Delta(date(2026, 5, 1), f.TIER_DOWN, 1)]
    assert f.tier_deltas(TierChange("silver", "silver", at, at), order) == []
    assert f.tier_deltas(None, order) == []


def test_mail_figures_add_up_per_kind_within_the_period():
    at = datetime(2026, 5, 1, 9, tzinfo=UTC)
    days = f.by_day([f.mail_delta(at, "sent", "nps_survey"), f.mail_delta(at, "sent", "nps_survey"),
                     f.mail_delta(at, "opened", "nps_survey"), f.mail_delta(at, "clicked", "campaign_message"),
                     f.mail_delta(at + timedelta(days=1), "sent", "nps_survey")])
    assert f.mail_by_kind(days, f.Period(date(2026, 5, 1), date(2026, 5, 1))) == {
        "campaign_message": {"sent": 0, "delivered": 0, "opened": 0, "clicked": 1},
        "nps_survey": {"sent": 2, "delivered": 0, "opened": 1, "clicked": 0}}
