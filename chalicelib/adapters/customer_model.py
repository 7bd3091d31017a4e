"""The customer model with numpy and scipy: BG/NBD and Gamma-Gamma by maximum likelihood, Fader and Hardie's forms.

Only the nightly fit imports this module (numpy and scipy add seconds and tens of megabytes to a cold start).

Numerics:
- Parameters are optimised as logarithms, so they stay positive; the likelihoods are evaluated in log space, the
  BG/NBD's two terms joined with logaddexp. That is the cure for the #NUM! error of Fader and Hardie's note 027:
  (α + T)^(r + x) and Γ(r + x) overflow for a large x, their logarithms do not.
- E[Y(t) | x, t_x, T] uses Euler's transformation of its ₂F₁: (1 − z)^(r+x) ₂F₁(r+x, b+x; a+b+x−1; z) =
  (1 − z)^(a−1) ₂F₁(a+b−1−r, a−1; a+b+x−1; z), whose first two parameters stay small however large x is
  (the untransformed series grows like (1 − z)^−(r+x) and is then multiplied by a vanishing power).
- P(alive) is the logistic function of a log-odds, so ((α+T)/(α+t_x))^(r+x) never overflows.
- The PMF's 1 − Σ_{j<n} NB(j) is the negative binomial's upper tail, a regularised incomplete beta function,
  instead of a difference of nearly equal numbers.
- Identical (x, t_x, T) rows are fitted once with their count as weight; time is scaled by the customers' mean age
  and values by their mean before fitting (α and γ scale back exactly: the models are scale-equivariant).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize  # type: ignore[import-untyped]
from scipy.special import betainc, betaln, expit, gammaln, hyp2f1  # type: ignore[import-untyped]

from chalicelib.domain.purchase_history import PurchaseSummary
from chalicelib.services.ports.customer_model import (
    DEFAULT_MINIMUM,
    FITTED,
    INSUFFICIENT_DATA,
    CustomerModelFit,
    CustomerPrediction,
    FittedModels,
    ModelMinimum,
    PurchaseModel,
    SpendModel,
)

Array = NDArray[np.float64]
BISECTION_STEPS = 48


def purchases_log_likelihood(m: PurchaseModel, x: Array, t_x: Array, T: Array) -> Array:  # noqa: N803
    """ln L(r, α, a, b | x, t_x, T) per customer (Fader, Hardie and Lee 2005, eq. 6)."""
    distinct_x, at = np.unique(x, return_inverse=True)
    return _purchases_log_likelihood(m, distinct_x, at, t_x, T)


def _purchases_log_likelihood(m: PurchaseModel, distinct_x: Array, at: NDArray[np.intp], t_x: Array,
                              T: Array) -> Array:  # noqa: N803
    """The same with the terms that depend on x alone computed once per distinct x (x = distinct_x[at]): the
    log-gamma functions are most of the cost, and a program has a few hundred distinct x at most."""
    r, alpha, a, b, ux = m.r, m.alpha, m.a, m.b, distinct_x
    repeat = ux > 0
    per_x = (gammaln(r + ux) - gammaln(r) + r * np.log(alpha)
             + gammaln(a + b) + gammaln(b + ux) - gammaln(b) - gammaln(a + b + ux))
    drop_out = np.where(repeat, np.log(a) - np.log(np.where(repeat, b + ux - 1, 1.0)), -np.inf)
    r_x = (r + ux)[at]
    a3 = -r_x * np.log(alpha + T)                           # still alive at T
    a4 = drop_out[at] - r_x * np.log(alpha + t_x)           # dropped out after the last purchase
    high, low = np.maximum(a3, a4), np.minimum(a3, a4)
    return np.asarray(per_x[at] + high + np.log1p(np.exp(low - high)), dtype=np.float64)


def p_alive(m: PurchaseModel, x: Array, t_x: Array, T: Array) -> Array:  # noqa: N803
    """P(alive | x, t_x, T); 1 when x = 0 (a customer drops out only right after a purchase)."""
    repeat = x > 0
    log_odds = (np.log(m.a) - np.log(np.where(repeat, m.b + x - 1, 1.0))
                + (m.r + x) * (np.log(m.alpha + T) - np.log(m.alpha + t_x)))
    return np.asarray(np.where(repeat, expit(-log_odds), 1.0), dtype=np.float64)


def conditional_expected_purchases(m: PurchaseModel, t: Array | float, x: Array, t_x: Array,
                                   T: Array) -> Array:  # noqa: N803
    """E[Y(t) | x, t_x, T]: expected purchase days in the t weeks after T (FHL 2005 eq. 10, Euler-transformed)."""
    a = m.a if abs(m.a - 1) > 1e-9 else 1 + 1e-9  # a = 1 is a removable singularity
    z = t / (m.alpha + T + t)
    c = a + m.b + x - 1
    alive_count = c / (a - 1) * (1 - (1 - z) ** (a - 1) * hyp2f1(a + m.b - 1 - m.r, a - 1, c, z))
    return np.asarray(alive_count * p_alive(m, x, t_x, T), dtype=np.float64)


def expected_purchases(m: PurchaseModel, t: Array | float) -> Array:
    """E[X(t)]: expected purchase days of a new customer in the t weeks after the first one (FHL 2005 eq. 9)."""
    zero = np.zeros_like(np.asarray(t, dtype=np.float64))
    return conditional_expected_purchases(m, t, zero, zero, zero)


def purchases_pmf(m: PurchaseModel, t: float, n: Array) -> Array:
    """P(X(t) = n): the probability of n repeat purchase days in the t weeks after the first (FHL 2005 eq. 8)."""
    n = np.asarray(n, dtype=np.float64)
    log_p, log_q = np.log(m.alpha / (m.alpha + t)), np.log(t / (m.alpha + t))
    head = np.exp(betaln(m.a, m.b + n) - betaln(m.a, m.b) + gammaln(m.r + n) - gammaln(m.r) - gammaln(n + 1)
                  + m.r * log_p + n * log_q)
    repeat = n > 0
    safe_n = np.where(repeat, n, 1.0)
    tail = np.exp(betaln(m.a + 1, m.b + safe_n - 1) - betaln(m.a, m.b)) * betainc(safe_n, m.r, t / (m.alpha + t))
    return np.asarray(head + np.where(repeat, tail, 0.0), dtype=np.float64)


def spend_log_likelihood(s: SpendModel, x: Array, zbar: Array) -> Array:
    """ln f(zbar | p, q, γ, x) per repeat customer (Fader and Hardie, note 025)."""
    distinct_x, at = np.unique(x, return_inverse=True)
    return _spend_log_likelihood(s, distinct_x, at, zbar, np.log(zbar))


def _spend_log_likelihood(s: SpendModel, distinct_x: Array, at: NDArray[np.intp], zbar: Array,
                          log_zbar: Array) -> Array:
    px = s.p * distinct_x
    per_x = gammaln(px + s.q) - gammaln(px) - gammaln(s.q) + s.q * np.log(s.gamma) + px * np.log(distinct_x)
    px_row = px[at]
    return np.asarray(per_x[at] + (px_row - 1) * log_zbar - (px_row + s.q) * np.log(s.gamma + distinct_x[at] * zbar),
                      dtype=np.float64)


def conditional_expected_spend(s: SpendModel, x: Array, zbar: Array) -> Array:
    """E[Z | x, zbar] = p(γ + x·zbar) / (px + q − 1); the population mean pγ / (q − 1) when x = 0."""
    return np.asarray(s.p * (s.gamma + x * zbar) / (s.p * x + s.q - 1), dtype=np.float64)


def _maximize(log_likelihood: Callable[[Array], float], start: Array) -> Array | None:
    """The parameters maximising the log-likelihood, searched as logarithms; None when the search fails."""
    def loss(theta: Array) -> float:
        value = -log_likelihood(np.exp(theta))
        return value if np.isfinite(value) else np.inf

    result = minimize(loss, np.log(start), method="Nelder-Mead",
                      options={"xatol": 1e-9, "fatol": 1e-13, "maxiter": 20_000, "maxfev": 20_000})
    found = np.exp(result.x)
    return found if result.success and np.all(np.isfinite(found)) and np.isfinite(result.fun) else None


def fit_purchases(x: Array, t_x: Array, T: Array) -> PurchaseModel | None:  # noqa: N803
    rows, counts = np.unique(np.stack([x, t_x, T], axis=1), axis=0, return_counts=True)
    scale = float(np.mean(T)) or 1.0
    distinct_x, at = np.unique(rows[:, 0], return_inverse=True)
    gt_x, gT = np.ascontiguousarray(rows[:, 1] / scale), np.ascontiguousarray(rows[:, 2] / scale)  # noqa: N806
    weight = counts / counts.sum()

    def mean_log_likelihood(v: Array) -> float:
        return float(np.sum(weight * _purchases_log_likelihood(PurchaseModel(*v), distinct_x, at, gt_x, gT)))

    found = _maximize(mean_log_likelihood, np.ones(4))
    if found is None:
        return None
    r, alpha, a, b = (float(v) for v in found)
    return PurchaseModel(r=r, alpha=alpha * scale, a=a, b=b)


def fit_spend(x: Array, zbar: Array) -> SpendModel | None:
    scale = float(np.mean(zbar))
    scaled = zbar / scale
    log_scaled = np.log(scaled)
    distinct_x, at = np.unique(x, return_inverse=True)

    def mean_log_likelihood(v: Array) -> float:
        return float(np.mean(_spend_log_likelihood(SpendModel(*v), distinct_x, at, scaled, log_scaled)))

    found = _maximize(mean_log_likelihood, np.ones(3))
    if found is None:
        return None
    p, q, gamma = (float(v) for v in found)
    return SpendModel(p=p, q=q, gamma=gamma * scale)


def _columns(summaries: Sequence[PurchaseSummary]) -> tuple[Array, Array, Array, Array]:
    """x, t_x and T in weeks, zbar as floats."""
    table = np.array([(s.x, s.t_x_days, s.age_days, float(s.zbar)) for s in summaries], dtype=np.float64)
    table = table.reshape(-1, 4)
    return table[:, 0], table[:, 1] / 7, table[:, 2] / 7, table[:, 3]


def _insufficient(customers: int, repeat_customers: int, reason: str) -> CustomerModelFit:
    return CustomerModelFit(INSUFFICIENT_DATA, customers, repeat_customers, None, reason)


def _first_week_reaching_one(m: PurchaseModel, weeks: float, x: Array, t_x: Array, T: Array) -> Array:  # noqa: N803
    """The t in (0, weeks] with E[Y(t) | x, t_x, T] = 1 (bisection: E[Y(t)] rises with t); callers pass only
    customers with E[Y(weeks)] ≥ 1."""
    low, high = np.zeros_like(x), np.full_like(x, weeks)
    for _ in range(BISECTION_STEPS):
        middle = (low + high) / 2
        reached = conditional_expected_purchases(m, middle, x, t_x, T) >= 1
        low, high = np.where(reached, low, middle), np.where(reached, middle, high)
    return high


class ScipyCustomerModel:
    def fit(self, summaries: Sequence[PurchaseSummary], minimum: ModelMinimum = DEFAULT_MINIMUM) -> CustomerModelFit:
        x, t_x, T, zbar = _columns(summaries)  # noqa: N806
        customers, repeat_customers = len(summaries), int(np.count_nonzero(x > 0))
        spenders = (x > 0) & (zbar > 0)
        if customers < max(minimum.customers, 1):
            return _insufficient(customers, repeat_customers, "too_few_customers")
        if max(s.age_days for s in summaries) < minimum.days:
            return _insufficient(customers, repeat_customers, "too_short_history")
        if np.count_nonzero(spenders) < max(minimum.repeat_customers, 2):
            return _insufficient(customers, repeat_customers, "too_few_repeat_customers")
        purchases, spend = fit_purchases(x, t_x, T), fit_spend(x[spenders], zbar[spenders])
        if purchases is None or spend is None:
            return _insufficient(customers, repeat_customers, "did_not_converge")
        if spend.q <= 1:
            return _insufficient(customers, repeat_customers, "spend_mean_undefined")
        return CustomerModelFit(FITTED, customers, repeat_customers, FittedModels(purchases, spend))

    def predict(self, models: FittedModels, summaries: Sequence[PurchaseSummary],
                weeks: float) -> list[CustomerPrediction]:
        if not weeks > 0:
            raise ValueError("the prediction horizon must be a positive number of weeks")
        m = models.purchases
        x, t_x, T, zbar = _columns(summaries)  # noqa: N806
        alive = p_alive(m, x, t_x, T)
        count = conditional_expected_purchases(m, weeks, x, t_x, T)
        spend = conditional_expected_spend(models.spend, x, zbar)
        next_week = np.full_like(x, np.nan)
        due = count >= 1
        next_week[due] = _first_week_reaching_one(m, weeks, x[due], t_x[due], T[due])
        return [CustomerPrediction(p_alive=float(a), expected_purchases=float(n), expected_spend=float(s),
                                   predicted_value=float(n * s), next_purchase_weeks=None if np.isnan(w) else float(w))
                for a, n, s, w in zip(alive, count, spend, next_week, strict=True)]
