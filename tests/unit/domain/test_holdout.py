"""Holdout buckets and lift: stable, uniform buckets; Newcombe's interval against the published example and an
independent computation; incremental revenue and ROI by hand."""
from decimal import Decimal

import pytest
from scipy.stats import binomtest, chisquare

from chalicelib.domain import holdout
from chalicelib.domain.holdout import Group

MEMBERS = [f"m_{i:024x}" for i in range(10_000)]


def test_a_members_bucket_is_stable_and_buckets_are_uniform():
    assert holdout.bucket("demo", MEMBERS[0]) == holdout.bucket("demo", MEMBERS[0])
    counts = [0] * 100
    for member in MEMBERS:
        counts[holdout.bucket("demo", member)] += 1
    assert chisquare(counts).pvalue > 0.001                  # 10,000 members over 100 buckets, ~100 each


def test_a_campaign_holds_out_its_share_and_campaigns_hold_out_different_members():
    first = {m for m in MEMBERS if holdout.held_out("demo", m, "cmp_1", 10)}
    second = {m for m in MEMBERS if holdout.held_out("demo", m, "cmp_2", 10)}
    assert 850 <= len(first) <= 1150
    assert 850 <= len(second) <= 1150
    assert len(first & second) < len(first) / 2               # not the same slice for every campaign
    assert not any(holdout.held_out("demo", m, "cmp_1", 0) for m in MEMBERS[:500])
    assert all(holdout.held_out("demo", m, "cmp_1", 100) for m in MEMBERS[:500])
    with pytest.raises(ValueError, match="0–100"):
        holdout.held_out("demo", MEMBERS[0], "cmp_1", 101)


@pytest.mark.parametrize(("x", "n"), [(0, 10), (1, 10), (56, 70), (48, 80), (10, 10), (3, 1000)])
def test_the_wilson_interval_is_scipys(x, n):
    expected = binomtest(x, n).proportion_ci(confidence_level=0.95, method="wilson")
    low, high = holdout.wilson(x, n)
    assert low == pytest.approx(expected.low, abs=1e-9)
    assert high == pytest.approx(expected.high, abs=1e-9)


def test_the_difference_interval_is_newcombes_published_example():
    # Newcombe (1998), Statistics in Medicine 17:873–890, Table II example (a): 56/70 − 48/80, method 10.
    low, high = holdout.difference_ci(56, 70, 48, 80)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)


def test_lift_by_hand():
    treatment = Group(members=900, converted=90, revenue=Decimal("4500.00"))     # 10 %, $5.00 a member
    control = Group(members=100, converted=5, revenue=Decimal("300.00"))         # 5 %, $3.00 a member
    found = holdout.lift(treatment, control, offer_cost=Decimal("600.00"))
    assert found.conversion_rate_difference == pytest.approx(0.05)
    assert found.ci95[0] < 0.05 < found.ci95[1]
    assert found.incremental_revenue == Decimal("1800.00")                       # $2.00 × 900
    assert found.roi == pytest.approx(2.0)                                       # (1800 − 600) ÷ 600
    empty = holdout.lift(treatment, Group(0, 0, Decimal(0)), Decimal(0))
    assert (empty.conversion_rate_difference, empty.ci95, empty.roi) == (None, None, None)
