"""The customer model: who is still buying, how often they will buy and what they will spend.

A BG/NBD purchase model (Fader, Hardie and Lee 2005) and a Gamma-Gamma spend model (Fader and Hardie's note 025),
fitted on a program's customer summaries (`chalicelib.domain.purchase_history`) with time in weeks. Below the
minimum of data the fit says `insufficient_data` and carries no parameters, so nothing can be predicted from it.

Predictions, over a horizon of `weeks` after as_of:
- `p_alive`: the probability that the customer has not dropped out (1 for a customer with no repeat purchase: under
  BG/NBD a customer can only drop out right after a purchase).
- `expected_purchases`: expected purchase days in the horizon, E[Y(weeks) | x, t_x, T].
- `expected_spend`: the Gamma-Gamma conditional expectation of the mean value of the customer's purchase days.
- `predicted_value`: expected_purchases × expected_spend, undiscounted (no margin, no discount rate).
- `next_purchase_weeks`: the time after as_of at which the expected number of purchases reaches 1, i.e. the t with
  E[Y(t) | x, t_x, T] = 1; None when it does not within the horizon (fewer than one purchase expected). It is not the
  expected time to the next purchase, which is infinite for a customer who may have dropped out.
Money comes out as floats in the unit the summaries' values were in; the caller rounds it to the currency.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal, NamedTuple, Protocol

from chalicelib.domain.purchase_history import PurchaseSummary

FITTED: Final = "fitted"
INSUFFICIENT_DATA: Final = "insufficient_data"
FitStatus = Literal["fitted", "insufficient_data"]


@dataclass(frozen=True)
class ModelMinimum:
    customers: int = 500            # customers with a purchase day on or before as_of
    days: int = 180                 # from the earliest first purchase day to as_of's day
    repeat_customers: int = 50      # customers with x > 0 and a positive zbar, for the spend model


DEFAULT_MINIMUM = ModelMinimum()


class PurchaseModel(NamedTuple):
    """BG/NBD: purchase rates Gamma(r, alpha), alpha per week; drop-out probabilities Beta(a, b)."""
    r: float
    alpha: float
    a: float
    b: float


class SpendModel(NamedTuple):
    """Gamma-Gamma: purchase values Gamma(p, ν), ν ~ Gamma(q, gamma)."""
    p: float
    q: float
    gamma: float


class FittedModels(NamedTuple):
    purchases: PurchaseModel
    spend: SpendModel


@dataclass(frozen=True)
class CustomerModelFit:
    status: FitStatus
    customers: int                  # summaries given
    repeat_customers: int           # of them with x > 0
    models: FittedModels | None     # None exactly when status is insufficient_data
    reason: str | None = None       # why the data was insufficient: too_few_customers, too_short_history,
                                    # too_few_repeat_customers, did_not_converge, spend_mean_undefined


@dataclass(frozen=True)
class CustomerPrediction:
    p_alive: float
    expected_purchases: float
    expected_spend: float
    predicted_value: float
    next_purchase_weeks: float | None


class CustomerModel(Protocol):
    def fit(self, summaries: Sequence[PurchaseSummary], minimum: ModelMinimum = DEFAULT_MINIMUM) -> CustomerModelFit:
        """Fit both models on the summaries of one program taken on one as_of."""
        ...

    def predict(self, models: FittedModels, summaries: Sequence[PurchaseSummary],
                weeks: float) -> list[CustomerPrediction]:
        """One prediction per summary, in the same order, over the `weeks` after as_of."""
        ...
