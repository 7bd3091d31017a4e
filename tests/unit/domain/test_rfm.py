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
    breakpoints,
    days_since,
    quintile_scores,
    score,
    score_of,
    segment,
)

S = Segment

# Twelve customers, seven with one order. Scores by hand from w = customers strictly worse (out of 12), the lowest
# position of the value's tie group: score = 5 · w // 12 + 1, i.e. w ≤ 2 → 1, 3–4 → 2, 5–7 → 3, 8–9 → 4, 10–11 → 5.
#   recency days: 400 (w 0) 1 · 200 ×2 (w 1) 1 · 90 (3) 2 · 60 (4) 2 · 45 (5) 3 · 20 ×3 (6) 3 · 10 (9) 4 ·
#                 3 ×2 (10) 5
#   orders:       1 ×7 (w 0) 1 · 2 ×2 (7) 3 · 3 (9) 4 · 5 (10) 5 · 8 (11) 5
#   monetary:     15 (w 0) 1 · 25 ×2 (1) 1 · 40 ×4 (3) 2 · 75 (7) 3 · 120 (8) 4 · 250 (9) 4 · 300 (10) 5 ·
#                 500 (11) 5
POPULATION = [
    # member, days, orders, monetary,  R, F, M, segment
    ("a", 3, 8, "500", 5, 5, 5, S.CHAMPIONS),
    ("b", 3, 1, "40", 5, 1, 2, S.POTENTIAL_LOYALISTS),      # M = 2: not new_customers
    ("c", 10, 1, "40.00", 4, 1, 2, S.POTENTIAL_LOYALISTS),  # 40.00 ties with 40
    ("d", 20, 3, "120", 3, 4, 4, S.LOYAL_CUSTOMERS),         # R = 3: not champions
    ("e", 20, 1, "75", 3, 1, 3, S.POTENTIAL_LOYALISTS),
    ("f", 20, 1, "40", 3, 1, 2, S.POTENTIAL_LOYALISTS),
    ("g", 45, 5, "300", 3, 5, 5, S.LOYAL_CUSTOMERS),
    ("h", 60, 1, "25", 2, 1, 1, S.ABOUT_TO_SLEEP),
    ("i", 90, 2, "40", 2, 3, 2, S.NEED_ATTENTION),            # M = 2: not loyal_customers
    ("j", 200, 2, "250", 1, 3, 4, S.AT_RISK),                 # F = 3: not cant_lose_them
    ("k", 200, 1, "15", 1, 1, 1, S.LOST),
    ("l", 400, 1, "25", 1, 1, 1, S.LOST),
]


def customer(member_id: str, days: int, orders: int, monetary: str | int) -> RfmInput:
    return RfmInput(member_id, days, orders, Decimal(monetary))


def test_a_hand_checked_population_with_ties_and_a_mass_of_one_order_customers() -> None:
    scores = score(customer(m, d, o, v) for m, d, o, v, *_ in POPULATION)
    assert scores == {m: RfmScore(r, f, mo, seg) for m, _, _, _, r, f, mo, seg in POPULATION}


def test_one_order_customers_are_never_split_and_score_one() -> None:
    scores = score(customer(m, d, o, v) for m, d, o, v, *_ in POPULATION)
    assert {s.frequency for m, s in scores.items() if m in "bcefhkl"} == {1}


# Ten customers, seven (70 %) with one order: with mid-ranks they would score F = floor(5 · 3.5 / 10) + 1 = 2. Here
# score = 5 · w // 10 + 1, i.e. w ≤ 1 → 1, 2–3 → 2, 4–5 → 3, 6–7 → 4, 8–9 → 5.
#   recency days: 300 (w 0) 1 · 120 (1) 1 · 60 (2) 2 · 45 (3) 2 · 30 (4) 3 · 10 (5) 3 · 5 (6) 4 · 3 (7) 4 · 2 (8) 5 ·
#                 1 (9) 5
#   orders:       1 ×7 (w 0) 1 · 2 (7) 4 · 3 (8) 5 · 4 (9) 5
#   monetary:     10 (w 0) 1 · 12 (1) 1 · 15 (2) 2 · 20 (3) 2 · 35 (4) 3 · 40 (5) 3 · 60 (6) 4 · 90 (7) 4 · 150 (8) 5 ·
#                 400 (9) 5
MOSTLY_FIRST_TIME_BUYERS = [
    # member, days, orders, monetary,  R, F, M, segment
    ("n1", 1, 1, "10", 5, 1, 1, S.NEW_CUSTOMERS),
    ("n2", 2, 1, "15", 5, 1, 2, S.POTENTIAL_LOYALISTS),
    ("n3", 5, 1, "60", 4, 1, 4, S.HIBERNATING),             # 4-1-4: no row of the table matches
    ("n4", 30, 1, "12", 3, 1, 1, S.PROMISING),
    ("n5", 60, 1, "40", 2, 1, 3, S.HIBERNATING),            # 2-1-3: no row of the table matches
    ("n6", 120, 1, "20", 1, 1, 2, S.LOST),
    ("n7", 300, 1, "35", 1, 1, 3, S.HIBERNATING),           # 1-1-3: no row of the table matches
    ("r1", 3, 4, "400", 4, 5, 5, S.CHAMPIONS),
    ("r2", 10, 2, "150", 3, 4, 5, S.LOYAL_CUSTOMERS),
    ("r3", 45, 3, "90", 2, 5, 4, S.LOYAL_CUSTOMERS),
]


def test_when_seventy_percent_have_one_order_they_score_f_one_and_can_be_new_customers() -> None:
    scores = score(customer(m, d, o, v) for m, d, o, v, *_ in MOSTLY_FIRST_TIME_BUYERS)
    assert scores == {m: RfmScore(r, f, mo, seg) for m, _, _, _, r, f, mo, seg in MOSTLY_FIRST_TIME_BUYERS}
    assert {s.frequency for m, s in scores.items() if m.startswith("n")} == {1}
    assert {S.NEW_CUSTOMERS, S.PROMISING} <= {s.segment for s in scores.values()}


@pytest.mark.parametrize(("values", "expected"), [
    (list(range(5)), [1, 2, 3, 4, 5]),
    (list(range(10)), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]),
    (list(range(20)), [s for s in range(1, 6) for _ in range(4)]),
    ([1, 2, 2, 3, 4], [1, 2, 2, 4, 5]),        # the tie sits at p = 1/5 exactly: an edge belongs to the upper quintile
    ([1, 1, 2, 3, 4], [1, 1, 3, 4, 5]),        # the tie takes its lowest position (p 0), the 2 has p = 2/5
    ([7, 3, 5], [4, 1, 2]),                     # input order is kept; p = 0, 1/3, 2/3
])
def test_quintile_edges(values: list[int], expected: list[int]) -> None:
    assert quintile_scores(values) == expected


@pytest.mark.parametrize(("values", "expected"), [
    ([9], [1]),                                 # p 0
    ([1, 2], [1, 3]),                           # p 0, 1/2
    ([1, 2, 3], [1, 2, 4]),                     # p 0, 1/3, 2/3
    ([1, 2, 3, 4], [1, 2, 3, 4]),               # p 0, 1/4, 2/4, 3/4
    ([5, 5, 9, 9], [1, 1, 3, 3]),               # p 0, 2/4
])
def test_below_five_customers_the_lowest_value_scores_one_and_no_one_scores_five(
        values: list[int], expected: list[int]) -> None:
    assert quintile_scores(values) == expected


# Ten customers, the top `tied` of them equal: the tie group has p = (10 − tied) / 10 and scores 6 − ⌈tied / 2⌉.
@pytest.mark.parametrize(("tied", "expected"), [
    (1, 5), (2, 5), (3, 4), (4, 4), (5, 3), (6, 3), (7, 2), (8, 2), (9, 1), (10, 1),
])
def test_a_tie_group_at_the_top_scores_five_only_up_to_a_fifth_of_the_customers(tied: int, expected: int) -> None:
    values = list(range(10 - tied)) + [99] * tied
    assert quintile_scores(values)[-tied:] == [expected] * tied


def test_when_every_customer_is_equal_every_score_is_one() -> None:
    scores = score(customer(f"m{i}", 30, 2, "50") for i in range(7))
    assert set(scores.values()) == {RfmScore(1, 1, 1, S.LOST)}


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


@given(st.lists(st.integers(0, 5), min_size=1, max_size=60))
def test_the_worst_value_scores_one_and_a_score_depends_only_on_the_share_strictly_worse(values: list[int]) -> None:
    scores = quintile_scores(values)
    assert all(s == 1 for v, s in zip(values, scores, strict=True) if v == min(values))
    for v, s in zip(values, scores, strict=True):
        worse = sum(1 for w in values if w < v)
        assert (s - 1) * len(values) <= 5 * worse      # s − 1 ≤ 5p < s: s = floor(5p) + 1
        assert 5 * worse < s * len(values)


@given(st.lists(st.integers(min_value=-400, max_value=400) | st.sampled_from([0, 1, 1, 2]), min_size=1,
                max_size=60))
def test_a_value_scored_against_the_breakpoints_scores_as_in_the_whole_population(values):
    cuts = breakpoints(values)
    assert [score_of(v, cuts) for v in values] == quintile_scores(values)


def test_breakpoints_of_ten_distinct_values_split_them_in_pairs():
    assert breakpoints(list(range(10, 0, -1))) == (2, 4, 6, 8)
    assert [score_of(v, (2, 4, 6, 8)) for v in (1, 2, 3, 8, 9)] == [1, 1, 2, 4, 5]
    assert breakpoints([]) == ()
