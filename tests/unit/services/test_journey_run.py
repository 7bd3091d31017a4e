"""The nightly run's per-member arithmetic: summaries from stored purchase days, tasks from the queue, judgement."""
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.journey import Journey, Prediction, Rfm
from chalicelib.domain.ledger import Member
from chalicelib.domain.program import ProgramRules
from chalicelib.domain.purchase_history import Purchase, summarize
from chalicelib.services.journey_run import SUMMARISE, Task, evaluate, parse_task, summary_row
from chalicelib.services.ports.journey import ProgramModel

AS_OF = datetime(2026, 6, 30, 23, 0, tzinfo=UTC)


def member(days, **fields):
    created = datetime(2025, 1, 1, tzinfo=UTC)
    return Member(member_id="m_1", program_id="demo", email=None, first_name=None, points_balance=0,
                  pending_points=0, lifetime_points=0, tier="member", identities=(), created_at=created,
                  updated_at=created, purchase_days=days, **fields)


def model(**fields):
    base = {"as_of": AS_OF, "status": "insufficient_data", "customers": 10, "repeat_customers": 5, "models": None,
            "reason": "too_few_customers", "recency_cuts": (-100, -50, -20, -5), "frequency_cuts": (1, 1, 2, 3),
            "monetary_cuts": (Decimal(10), Decimal(20), Decimal(40), Decimal(80)), "median_gap_days": 30.0}
    return ProgramModel(**(base | fields))


def test_a_summary_from_stored_days_is_the_purchase_history_summary_of_the_same_orders():
    days = {date(2026, 1, 5): Decimal("20.00"), date(2026, 2, 4): Decimal("35.50"), date(2026, 3, 1): Decimal(0),
            date(2026, 6, 29): Decimal("10.25"), date(2026, 7, 1): Decimal("99")}      # refunded day; a later day
    row = summary_row(member(days), AS_OF)
    purchases = [Purchase(datetime.combine(d, datetime.min.time(), UTC) + timedelta(hours=12), v)
                 for d, v in days.items()]
    expected = summarize(purchases, AS_OF, UTC)           # a day whose orders were refunded is still a purchase day
    assert expected.x == 3
    assert (row.x, row.t_x_days, row.age_days, row.zbar) == (expected.x, expected.t_x_days, expected.age_days,
                                                              expected.zbar)
    assert row.total == Decimal("65.75")
    assert summary_row(member({date(2026, 7, 1): Decimal(5)}), AS_OF) is None


def test_a_fitted_models_p_alive_judges_the_state_and_the_previous_segment_is_kept():
    days = {date(2026, 1, 5): Decimal(20), date(2026, 2, 4): Decimal(20)}
    before = member(days, journey=Journey("repeat", datetime(2026, 2, 4, tzinfo=UTC), "active",
                                          datetime(2026, 2, 4, tzinfo=UTC)),
                    rfm=Rfm(3, 2, 2, "need_attention", "promising"))
    result = evaluate(before, summary_row(before, AS_OF), Prediction(0.15, 0.2, Decimal("4.00"), None), model(),
                      ProgramRules(), AS_OF)
    [change] = result.changes
    assert (change.kind, change.old, change.new, change.cause, change.at) == ("state", "active", "lapsed", "model",
                                                                             AS_OF)
    assert result.rfm == Rfm(1, 3, 3, "at_risk", "need_attention")        # 146 days since: below every cut
    same = evaluate(before, summary_row(before, AS_OF), None, model(recency_cuts=(-500, -400, -300, -200)),
                    ProgramRules(), AS_OF)
    assert same.rfm == Rfm(5, 3, 3, "loyal_customers", "need_attention")
    kept = member(days, rfm=Rfm(5, 3, 3, "loyal_customers", "need_attention"))
    assert evaluate(kept, summary_row(kept, AS_OF), None, model(recency_cuts=(-500, -400, -300, -200)),
                    ProgramRules(), AS_OF).rfm == Rfm(5, 3, 3, "loyal_customers", "need_attention")


def test_a_member_without_orders_stays_a_prospect_without_rfm():
    result = evaluate(member({}), None, None, model(), ProgramRules(), AS_OF)
    assert (result.journey.stage, result.journey.state, result.rfm, result.changes) == ("prospect", None, None, ())


@pytest.mark.parametrize("body", ["", "[]", '{"program_id": "demo"}', '{"program_id": "demo", "as_of": '
                                  '"2026-06-30T23:00:00", "phase": "summarise", "shard": 0, "after": null}',
                                  '{"program_id": "demo", "as_of": "2026-06-30T23:00:00+00:00", "phase": "drop", '
                                  '"shard": 0, "after": null}'])
def test_anything_but_a_task_is_refused(body):
    with pytest.raises(InvalidRequest):
        parse_task(body)


def test_a_task_survives_the_queue():
    task = Task("demo", AS_OF, SUMMARISE, 7, "m_abc")
    assert parse_task(json.dumps(task.body())) == task


def test_a_one_order_customer_is_judged_by_the_programs_median_gap_even_with_a_fitted_model():
    one = member({date(2026, 1, 5): Decimal(20)})            # 176 days of silence; the program's median gap is 30
    result = evaluate(one, summary_row(one, AS_OF), Prediction(1.0, 0.3, Decimal("6.00"), None), model(),
                      ProgramRules(), AS_OF)
    assert (result.journey.state, result.changes[-1].cause) == ("lapsed", "inactivity")


def test_a_prediction_the_model_could_not_compute_is_left_out_not_stored_as_nan():
    from chalicelib.services.journey_run import _predict
    from chalicelib.services.ports.customer_model import CustomerPrediction, FittedModels, PurchaseModel, SpendModel

    class Model:
        def predict(self, models, summaries, weeks):
            return [CustomerPrediction(1.0, 1.2, 30.0, 36.0, None),
                    CustomerPrediction(float("nan"), float("nan"), 30.0, float("nan"), None)]

    days = {date(2026, 6, 1): Decimal("36.00")}
    rows = {"m_ok": summary_row(member(days), AS_OF), "m_nan": summary_row(member(days), AS_OF)}
    models = FittedModels(PurchaseModel(0.2, 4.0, 0.8, 2.4), SpendModel(6.0, 3.7, 15.0))
    found = _predict(models, rows, AS_OF, Model())
    assert list(found) == ["m_ok"]
    assert found["m_ok"].predicted_clv_365d == Decimal("36.00")
