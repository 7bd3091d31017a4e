from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.rfm import (
    UNMATCHED_CODES,
    RfmInput,
    RfmScore,
    Segment,
    days_since,
    quintile_scores,
    score,
    segment,
)

S = Segment

# Twelve customers, seven with one order. Scores by hand from the mid-rank position m = worse + equal / 2 (out of 12):
# m < 2.4 → 1, < 4.8 → 2, < 7.2 → 3, < 9.6 → 4, else 5.
#   recency days: 400 (m 0.5) 1 · 200 ×2 (m 2) 1 · 90 (3.5) 2 · 60 (4.5) 2 · 45 (5.5) 3 · 20 ×3 (7.5) 4 · 10 (9.5) 4 ·
#                 3 ×2 (11) 5
#   orders:       1 ×7 (m 3.5) 2 · 2 ×2 (8) 4 · 3 (9.5) 4 · 5 (10.5) 5 · 8 (11.5) 5
#   monetary:     15 (0.5) 1 · 25 ×2 (2) 1 · 40 ×4 (5) 3 · 75 (7.5) 4 · 120 (8.5) 4 · 250 (9.5) 4 · 300 (10.5) 5 ·
#                 500 (11.5) 5
POPULATION = [
    # member, days, orders, monetary,  R, F, M, segment
    ("a", 3, 8, "500", 5, 5, 5, S.CHAMPIONS),
    ("b", 3, 1, "40", 5, 2, 3, S.POTENTIAL_LOYALISTS),
    ("c", 10, 1, "40.00", 4, 2, 3, S.POTENTIAL_LOYALISTS),    # 40.00 ties with 40
    ("d", 20, 3, "120", 4, 4, 4, S.CHAMPIONS),
    ("e", 20, 1, "75", 4, 2, 4, S.HIBERNATING),               # 4-2-4: no row of the table matches
    ("f", 20, 1, "40", 4, 2, 3, S.POTENTIAL_LOYALISTS),
    ("g", 45, 5, "300", 3, 5, 5, S.LOYAL_CUSTOMERS),
    ("h", 60, 1, "25", 2, 2, 1, S.ABOUT_TO_SLEEP),
    ("i", 90, 2, "40", 2, 4, 3, S.LOYAL_CUSTOMERS),
    ("j", 200, 2, "250", 1, 4, 4, S.CANT_LOSE_THEM),
    ("k", 200, 1, "15", 1, 2, 1, S.LOST),
    ("l", 400, 1, "25", 1, 2, 1, S.LOST),
]


def customer(member_id: str, days: int, orders: int, monetary: str | int) -> RfmInput:
    return RfmInput(member_id, days, orders, Decimal(monetary))


def test_a_hand_checked_population_with_ties_and_a_mass_of_one_order_customers() -> None:
    scores = score(customer(m, d, o, v) for m, d, o, v, *_ in POPULATION)
    assert scores == {m: RfmScore(r, f, mo, seg) for m, _, _, _, r, f, mo, seg in POPULATION}


def test_one_order_customers_are_never_split_and_sit_at_the_middle_of_their_share() -> None:
    scores = score(customer(m, d, o, v) for m, d, o, v, *_ in POPULATION)
    assert {s.frequency for m, s in scores.items() if m in "bcefhkl"} == {2}


@pytest.mark.parametrize(("values", "expected"), [
    (list(range(5)), [1, 2, 3, 4, 5]),
    (list(range(10)), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]),
    (list(range(20)), [s for s in range(1, 6) for _ in range(4)]),
    ([1, 1, 2, 3, 4], [2, 2, 3, 4, 5]),        # the tie sits at p = 0.2 exactly: an edge belongs to the upper quintile
    ([7, 3, 5], [5, 1, 3]),                     # input order is kept
])
def test_quintile_edges(values: list[int], expected: list[int]) -> None:
    assert quintile_scores(values) == expected


@pytest.mark.parametrize(("values", "expected"), [
    ([9], [3]),
    ([1, 2], [2, 4]),
    ([1, 2, 3], [1, 3, 5]),
    ([1, 2, 3, 4], [1, 2, 4, 5]),
    ([5, 5, 9, 9], [2, 2, 4, 4]),
])
def test_fewer_than_five_customers_or_values_spread_symmetrically(values: list[int], expected: list[int]) -> None:
    assert quintile_scores(values) == expected


def test_when_every_customer_is_equal_every_score_is_three() -> None:
    scores = score(customer(f"m{i}", 30, 2, "50") for i in range(7))
    assert set(scores.values()) == {RfmScore(3, 3, 3, S.LOYAL_CUSTOMERS)}


def test_recency_gives_five_to_the_most_recent() -> None:
    scores = score(customer(f"m{days}", days, 1, "10") for days in (0, 5, 50, 500, 5000))
    assert [scores[f"m{d}"].recency for d in (0, 5, 50, 500, 5000)] == [5, 4, 3, 2, 1]


@pytest.mark.parametrize(("code", "expected"), [
    ((5, 5, 5), S.CHAMPIONS), ((4, 4, 4), S.CHAMPIONS),
    ((2, 3, 3), S.LOYAL_CUSTOMERS), ((5, 5, 3), S.LOYAL_CUSTOMERS),
    ((3, 3, 3), S.LOYAL_CUSTOMERS),             # loyal_customers comes before potential_loyalists
    ((3, 2, 2), S.POTENTIAL_LOYALISTS), ((5, 1, 3), S.POTENTIAL_LOYALISTS), ((4, 2, 1), S.POTENTIAL_LOYALISTS),
    ((5, 1, 1), S.NEW_CUSTOMERS), ((4, 1, 1), S.NEW_CUSTOMERS),
    ((3, 1, 1), S.PROMISING),
    ((2, 2, 2), S.NEED_ATTENTION), ((3, 2, 3), S.POTENTIAL_LOYALISTS), ((2, 3, 2), S.NEED_ATTENTION),
    ((2, 1, 2), S.ABOUT_TO_SLEEP), ((3, 2, 1), S.POTENTIAL_LOYALISTS), ((2, 2, 1), S.ABOUT_TO_SLEEP),
    ((1, 5, 5), S.CANT_LOSE_THEM), ((1, 4, 4), S.CANT_LOSE_THEM),
    ((1, 3, 3), S.AT_RISK), ((2, 5, 2), S.AT_RISK), ((1, 4, 3), S.AT_RISK),
    ((1, 1, 1), S.LOST), ((1, 1, 2), S.LOST), ((2, 1, 1), S.ABOUT_TO_SLEEP), ((1, 2, 2), S.AT_RISK),
    ((5, 1, 5), S.HIBERNATING), ((1, 1, 5), S.HIBERNATING), ((3, 5, 1), S.HIBERNATING),
])
def test_segments_by_code(code: tuple[int, int, int], expected: Segment) -> None:
    assert segment(*code) is expected


def test_every_segment_is_reachable() -> None:
    assert {segment(*code) for code in product(range(1, 6), repeat=3)} == set(Segment)


# The package's own order and bounds (CRAN `rfm`, rfm_segment's example); "Others" when no row matches.
PACKAGE_ORDER = [
    (S.CHAMPIONS, 4, 5, 4, 5, 4, 5), (S.LOYAL_CUSTOMERS, 2, 5, 3, 5, 3, 5), (S.POTENTIAL_LOYALISTS, 3, 5, 1, 3, 1, 3),
    (S.NEW_CUSTOMERS, 4, 5, 1, 1, 1, 1), (S.PROMISING, 3, 4, 1, 1, 1, 1), (S.NEED_ATTENTION, 2, 3, 2, 3, 2, 3),
    (S.ABOUT_TO_SLEEP, 2, 3, 1, 2, 1, 2), (S.AT_RISK, 1, 2, 2, 5, 2, 5), (S.CANT_LOSE_THEM, 1, 1, 4, 5, 4, 5),
    (S.LOST, 1, 2, 1, 2, 1, 2),
]


def package_segment(r: int, f: int, m: int) -> str:
    return next((name for name, rl, rh, fl, fh, ml, mh in PACKAGE_ORDER
                 if rl <= r <= rh and fl <= f <= fh and ml <= m <= mh), "Others")


def test_segments_differ_from_the_package_only_where_its_order_makes_a_segment_unreachable() -> None:
    moved = {S.NEW_CUSTOMERS, S.PROMISING, S.CANT_LOSE_THEM}
    for code in product(range(1, 6), repeat=3):
        ours, theirs = segment(*code), package_segment(*code)
        if ours in moved:
            assert theirs == (S.AT_RISK if ours is S.CANT_LOSE_THEM else S.POTENTIAL_LOYALISTS), code
        else:
            assert theirs == ("Others" if ours is S.HIBERNATING else ours), code
    assert set(UNMATCHED_CODES) == {c for c in product(range(1, 6), repeat=3) if package_segment(*c) == "Others"}


@pytest.mark.parametrize("code", [(0, 3, 3), (3, 6, 3), (3, 3, -1)])
def test_a_score_outside_one_to_five_has_no_segment(code: tuple[int, int, int]) -> None:
    with pytest.raises(ValueError, match="1–5"):
        segment(*code)


@pytest.mark.parametrize(("days", "orders", "monetary"), [
    (-1, 1, "1"), (0, 0, "1"), (0, 1, "-0.01"), (0, 1, "NaN"), (0, 1, "Infinity"),
])
def test_inputs_outside_their_bounds_are_refused(days: int, orders: int, monetary: str) -> None:
    with pytest.raises(ValueError, match="m_1"):
        customer("m_1", days, orders, monetary)


def test_a_member_appears_once() -> None:
    with pytest.raises(ValueError, match="once"):
        score([customer("m_1", 1, 1, "1"), customer("m_1", 2, 1, "1")])


def test_days_since_counts_whole_days_and_never_goes_negative() -> None:
    last = datetime(2026, 3, 1, 18, tzinfo=UTC)
    assert days_since(last, last + timedelta(hours=23, minutes=59)) == 0
    assert days_since(last, last + timedelta(days=2)) == 2
    assert days_since(last, last - timedelta(hours=1)) == 0


def test_an_empty_program_has_no_scores() -> None:
    assert score([]) == {}


customers = st.lists(st.tuples(st.integers(0, 60), st.integers(1, 6),
                               st.decimals(0, 100, places=1, allow_nan=False, allow_infinity=False)),
                     min_size=1, max_size=60)


@given(customers)
def test_scores_are_one_to_five_equal_for_equal_values_and_never_lower_for_a_better_value(
        rows: list[tuple[int, int, Decimal]]) -> None:
    scores = score(RfmInput(f"m{i}", d, f, m) for i, (d, f, m) in enumerate(rows))
    as_list = [scores[f"m{i}"] for i in range(len(rows))]
    dimensions = [
        ([-d for d, _, _ in rows], [s.recency for s in as_list]),
        ([f for _, f, _ in rows], [s.frequency for s in as_list]),
        ([m for _, _, m in rows], [s.monetary for s in as_list]),
    ]
    for values, given_scores in dimensions:
        assert set(given_scores) <= set(range(1, 6))
        for (v1, s1), (v2, s2) in product(zip(values, given_scores, strict=True), repeat=2):
            assert v1 != v2 or s1 == s2
            assert v1 >= v2 or s1 <= s2
    assert all(s.segment is segment(s.recency, s.frequency, s.monetary) for s in as_list)
