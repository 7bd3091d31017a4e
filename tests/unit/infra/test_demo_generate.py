"""The demo's population (infra/demo/generate.py): deterministic from the plan, realistic, inside its period."""
import itertools
from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from infra.demo import payloads
from infra.demo.generate import Plan, generate, months_before, steps, survey_answer
from infra.demo.kpis import purchase_days

PLAN = Plan(seed=1, customers=300, months=18, end=date(2026, 5, 1))


@pytest.fixture(scope="module")
def population():
    return generate(PLAN)


def test_the_same_plan_gives_the_same_events_and_another_seed_others(population):
    again = generate(PLAN)
    assert [(e.at, e.topic, e.key, e.body) for e in again.events] == [(e.at, e.topic, e.key, e.body)
                                                                       for e in population.events]
    other = generate(Plan(seed=2, customers=300, months=18, end=date(2026, 5, 1)))
    assert {e.key for e in other.events}.isdisjoint(e.key for e in population.events)


def test_every_event_is_inside_the_period_in_time_order_with_a_unique_key(population):
    times = [e.at for e in population.events]
    assert times == sorted(times)
    assert PLAN.start <= times[0]
    assert times[-1] < PLAN.stop
    assert len({e.key for e in population.events}) == len(population.events)
    assert all(e.at.tzinfo is not None for e in population.events)


def test_a_customer_is_created_before_anything_else_of_theirs(population):
    first = {}
    for e in population.events:
        first.setdefault(e.customer, e.topic)
    assert set(first.values()) == {"customers/create"}
    assert population.count("customers/create") == PLAN.customers


def test_purchases_look_like_a_shops(population):
    orders = Counter(e.customer for e in population.events if e.topic == "orders/paid")
    buyers = len(orders)
    assert 0.7 * PLAN.customers < buyers < 0.9 * PLAN.customers          # some never buy
    per_buyer = Counter(orders.values())
    assert per_buyer[1] > per_buyer[2] > per_buyer[4]                       # most buy once, a few come back often
    assert max(orders.values()) >= 5
    values = [payloads.merchandise(e.body) for e in population.events if e.topic == "orders/paid"]
    assert 40 < sum(values) / len(values) < 90
    refunds = population.count("refunds/create")
    assert 0.01 * len(values) < refunds < 0.08 * len(values)
    assert population.count("fulfillments/update") == population.count("fulfillments/create") > 0.9 * len(values)
    assert population.count("redeem") > 0
    joined = sorted(c.joined for c in population.customers)                 # a growing shop: more arrive later
    middle = PLAN.start + (PLAN.stop - PLAN.start) / 2
    assert sum(1 for t in joined if t >= middle) > 1.3 * sum(1 for t in joined if t < middle)


def test_an_order_is_on_its_customers_local_day_and_its_refund_follows_it(population):
    offsets = {c.customer_id: c.offset for c in population.customers}
    paid = {}
    for e in population.events:
        if e.topic == "orders/paid":
            at = datetime.fromisoformat(e.body["processed_at"])
            assert at.utcoffset() == offsets[e.body["customer"]["id"]].utcoffset(None)
            assert at == e.at
            paid[e.body["id"]] = at
        elif e.topic == "refunds/create":
            assert datetime.fromisoformat(e.body["created_at"]) > paid[e.body["order_id"]]


def test_refunds_lower_a_purchase_days_value_and_never_remove_it(population):
    sent = [(e.topic, e.body) for e in population.events]
    without_refunds = purchase_days([(t, b) for t, b in sent if t != "refunds/create"])
    with_refunds = purchase_days(sent)
    assert {c: set(d) for c, d in with_refunds.items()} == {c: set(d) for c, d in without_refunds.items()}
    lowered = sum(without_refunds[c][d] - v for c, days in with_refunds.items() for d, v in days.items())
    assert lowered > 0


def test_the_walk_covers_the_period_in_steps():
    found = steps(PLAN, days=7)
    assert found[0][0] == PLAN.start
    assert found[-1][1] == PLAN.stop
    assert all(b == c for (_, b), (c, _) in itertools.pairwise(found))
    assert all(b - a <= timedelta(days=7) for a, b in found)


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 5, 1), 18, date(2024, 11, 1)), (date(2026, 3, 31), 1, date(2026, 2, 28)),
    (date(2024, 2, 29), 12, date(2023, 2, 28)),
])
def test_months_before(day, months, expected):
    assert months_before(day, months) == expected


def test_survey_answers_are_skewed_like_real_nps_and_reproducible():
    answers = [survey_answer(1, f"survey-{n}") for n in range(4000)]
    given = [a for a in answers if a is not None]
    assert 0.35 < len(given) / len(answers) < 0.55
    scores = Counter("promoter" if s >= 9 else "passive" if s >= 7 else "detractor" for s, _ in given)
    assert 0.45 < scores["promoter"] / len(given) < 0.55
    assert 0.25 < scores["passive"] / len(given) < 0.35
    assert 0.15 < scores["detractor"] / len(given) < 0.25
    assert 0.4 < sum(1 for _, c in given if c) / len(given) < 0.6
    assert survey_answer(1, "survey-7") == answers[7]
    assert all(1 <= a[0] <= 5 for n in range(200) if (a := survey_answer(1, f"csat-{n}", 5)))


@pytest.mark.parametrize("bad", [dict(seed=1000), dict(customers=0), dict(months=0)])
def test_a_plan_out_of_range_is_refused(bad):
    with pytest.raises(ValueError, match="must be"):
        Plan(**{"seed": 1, "customers": 10, "months": 3, "end": date(2026, 1, 1), **bad})
