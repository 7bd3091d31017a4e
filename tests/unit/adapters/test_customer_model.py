"""The BG/NBD and Gamma-Gamma models against the published CDNOW estimates and test vectors (Fader, Hardie and Lee;
Hardie's note 025; the R BTYD reference values)."""
from collections import defaultdict
from datetime import UTC, datetime, time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import hyp2f1

from chalicelib.adapters import customer_model as cm
from chalicelib.domain.purchase_history import Purchase, PurchaseSummary, summarize
from chalicelib.services.ports.customer_model import (
    FITTED,
    INSUFFICIENT_DATA,
    ModelMinimum,
    PurchaseModel,
    SpendModel,
)

CDNOW = Path(__file__).resolve().parents[2] / "data" / "cdnow"
PUBLISHED = PurchaseModel(r=0.243, alpha=4.414, a=0.793, b=2.426)
MODEL = cm.ScipyCustomerModel()


def arrays(*values):
    return [np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in values]


@pytest.fixture(scope="module")
def cdnow():
    """The 2,357 CDNOW customers summarised from the raw transactions on 1997-09-30, in sample id order."""
    purchases = defaultdict(list)
    for line in (CDNOW / "CDNOW_sample.txt").read_text().splitlines():
        _, customer, day, _, value = line.split()
        at = datetime.combine(datetime.strptime(day, "%Y%m%d").date(), time(), UTC)
        purchases[int(customer)].append(Purchase(at, Decimal(value)))
    as_of = datetime(1997, 9, 30, 23, 59, 59, tzinfo=UTC)
    return [summarize(purchases[customer], as_of, UTC) for customer in sorted(purchases)]


@pytest.fixture(scope="module")
def cdnow_fit(cdnow):
    return MODEL.fit(cdnow)


def test_the_fit_on_the_cdnow_transactions_reproduces_the_published_estimates(cdnow_fit):
    assert (cdnow_fit.status, cdnow_fit.customers, cdnow_fit.repeat_customers) == (FITTED, 2357, 946)
    bg, gg = cdnow_fit.models.purchases, cdnow_fit.models.spend
    assert (round(bg.r, 3), round(bg.alpha, 3), round(bg.a, 3), round(bg.b, 3)) == (0.243, 4.414, 0.793, 2.426)
    assert (round(gg.p, 2), round(gg.q, 2), round(gg.gamma, 2)) == (6.25, 3.74, 15.44)


def test_conditional_expected_purchases_match_hardies_spreadsheet():
    assert cm.conditional_expected_purchases(PUBLISHED, 39, *arrays(2, 30.43, 38.86))[0] == pytest.approx(1.226,
                                                                                                          abs=0.001)


def test_expected_purchases_of_a_new_customer_match_the_published_values(cdnow_fit):
    t = np.array([0.1429, 1, 3, 31.8571, 32, 78])
    expected = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576]
    assert cm.expected_purchases(cdnow_fit.models.purchases, t) == pytest.approx(expected, abs=0.0005)


def test_the_purchase_count_distribution_matches_r_btyd():
    assert cm.purchases_pmf(PUBLISHED, 2, np.array([10]))[0] == pytest.approx(1.07869e-07, rel=1e-5)
    assert cm.purchases_pmf(PUBLISHED, 39, np.array([0]))[0] == pytest.approx(0.5737864, abs=1e-7)
    expected = [0.0019995214, 0.0015170236, 0.0011633150, 0.0009003148, 0.0007023638, 0.0005517902, 0.0004361913,
                0.0003467171, 0.0002769613, 0.0002222260]
    assert cm.purchases_pmf(PUBLISHED, 30, np.arange(11, 21)) == pytest.approx(expected, abs=1e-9)


def test_the_purchase_count_distribution_sums_to_one_and_its_mean_is_the_expectation():
    n = np.arange(0, 5000)
    pmf = cm.purchases_pmf(PUBLISHED, 30, n)
    assert pmf.sum() == pytest.approx(1, abs=1e-9)
    assert n @ pmf == pytest.approx(cm.expected_purchases(PUBLISHED, np.array([30.0]))[0], rel=1e-6)


def test_conditional_expected_spend_of_the_first_ten_cdnow_customers_matches_note_025(cdnow, cdnow_fit):
    x, zbar = arrays([s.x for s in cdnow[:10]], [float(s.zbar) for s in cdnow[:10]])
    expected = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17]
    assert cm.conditional_expected_spend(cdnow_fit.models.spend, x, zbar) == pytest.approx(expected, abs=0.01)


def test_a_customer_without_a_repeat_purchase_is_alive_and_p_alive_falls_with_the_time_since_the_last_purchase():
    assert cm.p_alive(PUBLISHED, *arrays(0, 0, 38.86))[0] == 1
    t_x = np.array([38, 30, 20, 10, 1], dtype=np.float64)
    alive = cm.p_alive(PUBLISHED, np.full(5, 3.0), t_x, np.full(5, 38.86))
    assert np.all(np.diff(alive) < 0)
    assert cm.p_alive(PUBLISHED, *arrays(2, 30.43, 38.86))[0] == pytest.approx(0.7266, abs=1e-4)


def test_predictions_combine_the_two_models(cdnow, cdnow_fit):
    first, second, third = MODEL.predict(cdnow_fit.models, cdnow[:3], weeks=39)
    assert first.expected_purchases == pytest.approx(1.226, abs=0.001)
    assert first.expected_spend == pytest.approx(24.65, abs=0.01)
    assert first.predicted_value == pytest.approx(first.expected_purchases * first.expected_spend)
    assert 0 < first.next_purchase_weeks < 39
    customer = cdnow[0]
    at_next = cm.conditional_expected_purchases(cdnow_fit.models.purchases, first.next_purchase_weeks,
                                                *arrays(customer.x, customer.t_x, customer.T))
    assert at_next[0] == pytest.approx(1, abs=1e-9)
    assert second.expected_purchases < 1
    assert second.next_purchase_weeks is None
    assert third.p_alive == 1


def test_a_horizon_must_be_positive(cdnow, cdnow_fit):
    with pytest.raises(ValueError, match="horizon"):
        MODEL.predict(cdnow_fit.models, cdnow[:1], weeks=0)


def test_too_little_data_is_said_and_no_parameters_are_given(cdnow):
    cases = [
        (cdnow[:499], ModelMinimum(), "too_few_customers"),
        ([], ModelMinimum(customers=0), "too_few_customers"),
        ([PurchaseSummary(s.x, min(s.t_x_days, 100), 179, s.zbar) for s in cdnow], ModelMinimum(),
         "too_short_history"),
        ([PurchaseSummary(0, 0, s.age_days, Decimal(0)) for s in cdnow], ModelMinimum(), "too_few_repeat_customers"),
        (cdnow, ModelMinimum(repeat_customers=947), "too_few_repeat_customers"),
    ]
    for summaries, minimum, reason in cases:
        fit = MODEL.fit(summaries, minimum)
        assert (fit.status, fit.models, fit.reason) == (INSUFFICIENT_DATA, None, reason)
        assert fit.customers == len(summaries)


def test_a_search_that_fails_or_a_spend_without_a_mean_is_insufficient_data(cdnow, monkeypatch):
    monkeypatch.setattr(cm, "_maximize", lambda *_: None)
    assert (MODEL.fit(cdnow).status, MODEL.fit(cdnow).reason) == (INSUFFICIENT_DATA, "did_not_converge")
    monkeypatch.undo()
    monkeypatch.setattr(cm, "fit_spend", lambda *_: SpendModel(p=2.0, q=0.9, gamma=1.0))
    fit = MODEL.fit(cdnow)
    assert (fit.status, fit.models, fit.reason) == (INSUFFICIENT_DATA, None, "spend_mean_undefined")


def test_a_large_purchase_count_stays_finite():
    # A weekly buyer for ten years: (α + T)^(r + x) and the untransformed ₂F₁ would overflow.
    x, t_x, age = arrays(520, 520, 521)
    assert np.isfinite(cm.purchases_log_likelihood(PUBLISHED, x, t_x, age)[0])
    assert cm.p_alive(PUBLISHED, x, t_x, age)[0] == pytest.approx(1, abs=0.01)
    # About one purchase a week ahead, less the chance (a / (a + b + x) per purchase) of dropping out on the way.
    assert 45 < cm.conditional_expected_purchases(PUBLISHED, 52, x, t_x, age)[0] < 52
    assert cm.p_alive(PUBLISHED, *arrays(520, 260, 521))[0] < 1e-100


@pytest.mark.parametrize("x", [1, 5, 20, 60])
def test_the_transformed_expectation_equals_fader_hardie_and_lees_formula_where_that_one_is_finite(x):
    m, t, t_x, age = PUBLISHED, 39.0, 20.0, 38.86
    z = t / (m.alpha + age + t)
    untransformed = ((m.a + m.b + x - 1) / (m.a - 1)
                     * (1 - ((m.alpha + age) / (m.alpha + age + t)) ** (m.r + x)
                        * hyp2f1(m.r + x, m.b + x, m.a + m.b + x - 1, z))
                     / (1 + m.a / (m.b + x - 1) * ((m.alpha + age) / (m.alpha + t_x)) ** (m.r + x)))
    assert cm.conditional_expected_purchases(m, t, *arrays(x, t_x, age))[0] == pytest.approx(untransformed, rel=1e-9)


def test_a_large_synthetic_population_recovers_its_parameters():
    truth = PurchaseModel(r=0.5, alpha=6.0, a=0.8, b=3.0)
    rng = np.random.default_rng(7)
    summaries = synthetic_summaries(truth, rng, customers=20_000, weeks=52)
    fit = MODEL.fit(summaries)
    assert fit.status == FITTED
    got = fit.models.purchases
    assert (got.r, got.alpha, got.a, got.b) == pytest.approx((0.5, 6.0, 0.8, 3.0), rel=0.15)


def synthetic_summaries(m: PurchaseModel, rng, customers: int, weeks: int) -> list[PurchaseSummary]:
    """Customers drawn from the BG/NBD story (Poisson purchases at a Gamma rate, drop-out after each purchase with a
    Beta probability), first purchase days spread over the period, purchase values from a Gamma."""
    rates = rng.gamma(m.r, 1 / m.alpha, customers)
    drop = rng.beta(m.a, m.b, customers)
    ages = rng.integers(0, weeks * 7, customers)
    summaries = []
    for rate, p, age in zip(rates, drop, ages, strict=True):
        day, days = 0.0, [0]
        while (day := day + rng.exponential(7 / rate)) <= age:
            days.append(int(day))
            if rng.random() < p:
                break
        days = sorted(set(days))
        x = len(days) - 1
        zbar = Decimal(str(round(rng.gamma(6.0, 5.0), 2))) if x else Decimal(0)
        summaries.append(PurchaseSummary(x, days[-1], int(age), zbar))
    return summaries


@settings(deadline=None, max_examples=200)
@given(x=st.integers(0, 300), t_x=st.floats(0, 200), gap=st.floats(0, 200), t=st.floats(0.01, 500),
       more=st.floats(0.01, 500))
def test_p_alive_is_a_probability_and_expected_purchases_grow_with_the_horizon(x, t_x, gap, t, more):
    t_x = t_x if x else 0.0
    values = arrays(x, t_x, t_x + gap)
    alive = cm.p_alive(PUBLISHED, *values)[0]
    assert 0 <= alive <= 1
    now, later = (cm.conditional_expected_purchases(PUBLISHED, h, *values)[0] for h in (t, t + more))
    assert 0 <= now <= later
    assert np.isfinite(later)


@settings(deadline=None, max_examples=100)
@given(x=st.integers(0, 300), zbar=st.floats(0, 10_000))
def test_expected_spend_lies_between_the_population_mean_and_the_customers_own_mean(x, zbar):
    spend = SpendModel(p=6.25, q=3.74, gamma=15.44)
    expected = cm.conditional_expected_spend(spend, *arrays(x, zbar))[0]
    population = 6.25 * 15.44 / 2.74
    assert expected > 0
    if x:
        assert min(population, zbar) - 1e-9 <= expected <= max(population, zbar) + 1e-9
