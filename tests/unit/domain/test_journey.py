from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.journey import (
    STAGES,
    Cause,
    Change,
    Facts,
    Journey,
    JourneyRules,
    Stage,
    State,
    Step,
    cadence,
    on_evaluation,
    on_order,
    quietness,
    start,
)

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
RULES = JourneyRules()
SECOND = timedelta(seconds=1)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def facts(orders: Sequence[datetime], at: datetime, **extra: object) -> Facts:
    """The facts at `at` of a customer who ordered at the given times."""
    window = sum(1 for o in orders if at - RULES.loyal_window < o <= at)
    return Facts(orders=len(orders), first_order_at=min(orders, default=None), last_order_at=max(orders, default=None),
                 orders_in_window=window, **extra)  # type: ignore[arg-type]


def history(*order_days: float, tier: bool = False) -> Journey:
    """The journey after the given orders, each processed as it happened."""
    journey = start(T0)
    for i, n in enumerate(order_days):
        journey = on_order(journey, facts([day(d) for d in order_days[:i + 1]], day(n), above_base_tier=tier),
                           day(n), RULES).journey
    return journey


def evaluate(journey: Journey, order_days: Sequence[float], at: float, **extra: object) -> tuple[Journey, list[Change]]:
    step = on_evaluation(journey, facts([day(d) for d in order_days], day(at), **extra), day(at), RULES)
    return step.journey, list(step.changes)


# Stages

def test_a_first_order_makes_a_prospect_a_first_time_active_customer() -> None:
    step = on_order(start(T0), facts([day(3)], day(3)), day(3), RULES)
    assert step.journey == Journey(Stage.FIRST_TIME, day(3), State.ACTIVE, day(3))
    assert step.changes == (Change("stage", Stage.PROSPECT, Stage.FIRST_TIME, day(3), Cause.ORDER),
                            Change("state", None, State.ACTIVE, day(3), Cause.ORDER))


def test_a_second_order_makes_a_repeat_customer_and_leaves_an_active_state_alone() -> None:
    step = on_order(history(0), facts([day(0), day(10)], day(10)), day(10), RULES)
    assert step.changes == (Change("stage", Stage.FIRST_TIME, Stage.REPEAT, day(10), Cause.ORDER),)
    assert (step.journey.state, step.journey.state_since) == (State.ACTIVE, day(0))


def test_four_orders_within_twelve_months_make_a_loyal_customer() -> None:
    step = on_order(history(0, 100, 200), facts([day(0), day(100), day(200), day(364)], day(364)), day(364), RULES)
    assert step.changes == (Change("stage", Stage.REPEAT, Stage.LOYAL, day(364), Cause.ORDER),)
    spread = history(0, 100, 200, 365)        # the first order is 365 days before the fourth: outside the window
    assert spread.stage is Stage.REPEAT


def test_a_tier_above_the_base_makes_a_customer_loyal_with_the_tier_as_cause() -> None:
    step = on_order(start(T0), facts([day(1)], day(1), above_base_tier=True), day(1), RULES)
    assert step.changes[0] == Change("stage", Stage.PROSPECT, Stage.LOYAL, day(1), Cause.TIER)
    journey, changes = evaluate(history(0), [0], 5, above_base_tier=True)
    assert (journey.stage, changes) == (Stage.LOYAL, [Change("stage", Stage.FIRST_TIME, Stage.LOYAL, day(5),
                                                             Cause.TIER)])


def test_a_tier_alone_does_not_make_a_prospect_loyal_nor_does_it_when_the_rules_say_so() -> None:
    assert evaluate(start(T0), [], 5, above_base_tier=True) == (start(T0), [])
    rules = JourneyRules(loyal_by_tier=False)
    step = on_order(start(T0), facts([day(1)], day(1), above_base_tier=True), day(1), rules)
    assert step.journey.stage is Stage.FIRST_TIME


def test_stages_never_move_back() -> None:
    loyal = history(0, 10, 20, 30)
    assert loyal.stage is Stage.LOYAL
    journey, changes = evaluate(loyal, [0, 10, 20, 30], 800)    # the window is empty now
    assert journey.stage is Stage.LOYAL
    assert all(c.kind == "state" for c in changes)
    after_refunds = on_order(loyal, facts([day(900)], day(900)), day(900), RULES)   # facts count fewer orders
    assert after_refunds.journey.stage is Stage.LOYAL


# States: each transition with its cause

def test_active_becomes_at_risk_then_lapsed_by_inactivity_exactly_at_the_thresholds() -> None:
    orders = [0, 10, 30]                                # average gap 15 days: at_risk at +30, lapsed at +60
    journey = history(0, 10, 30)
    assert evaluate(journey, orders, 60 - 1 / 86400)[1] == []
    journey, changes = evaluate(journey, orders, 60)
    assert changes == [Change("state", State.ACTIVE, State.AT_RISK, day(60), Cause.INACTIVITY)]
    assert evaluate(journey, orders, 90 - 1 / 86400)[1] == []
    journey, changes = evaluate(journey, orders, 90)
    assert changes == [Change("state", State.AT_RISK, State.LAPSED, day(90), Cause.INACTIVITY)]
    assert evaluate(journey, orders, 900)[1] == []


def test_an_active_customer_silent_long_enough_goes_straight_to_lapsed() -> None:
    journey, changes = evaluate(history(0, 10), [0, 10], 60)
    assert (journey.state, changes[0].old, changes[0].cause) == (State.LAPSED, State.ACTIVE, Cause.INACTIVITY)


@pytest.mark.parametrize("quiet", [State.AT_RISK, State.LAPSED])
def test_an_order_after_at_risk_or_lapsed_wins_the_customer_back(quiet: State) -> None:
    journey = Journey(Stage.REPEAT, day(10), quiet, day(60))
    step = on_order(journey, facts([day(0), day(10), day(70)], day(70)), day(70), RULES)
    assert step.changes == (Change("state", quiet, State.WON_BACK, day(70), Cause.ORDER),)


def test_won_back_is_active_again_exactly_after_its_period() -> None:
    orders = [0, 10, 200]
    lapsed = Journey(Stage.REPEAT, day(10), State.LAPSED, day(80))
    journey = on_order(lapsed, facts([day(d) for d in orders], day(200)), day(200), RULES).journey
    assert evaluate(journey, orders, 290 - 1 / 86400)[1] == []
    journey, changes = evaluate(journey, orders, 290)
    assert changes == [Change("state", State.WON_BACK, State.ACTIVE, day(290), Cause.PERIOD)]


def test_an_order_while_won_back_keeps_the_period_running() -> None:
    journey = Journey(Stage.REPEAT, day(10), State.WON_BACK, day(400))
    orders = [day(0), day(10), day(400), day(420)]
    assert on_order(journey, facts(orders, day(420)), day(420), RULES) == Step(journey)


def test_a_won_back_customer_going_quiet_again_is_at_risk_before_the_period_ends() -> None:
    journey = Journey(Stage.REPEAT, day(10), State.WON_BACK, day(200))
    journey, changes = evaluate(journey, [0, 10, 200], 230, p_alive=0.3)
    assert changes == [Change("state", State.WON_BACK, State.AT_RISK, day(230), Cause.MODEL)]


def test_a_state_improves_only_through_an_order() -> None:
    lapsed = Journey(Stage.REPEAT, day(10), State.LAPSED, day(60))
    assert evaluate(lapsed, [0, 10], 61, p_alive=0.99) == (lapsed, [])
    at_risk = Journey(Stage.REPEAT, day(10), State.AT_RISK, day(40))
    assert evaluate(at_risk, [0, 10], 41, p_alive=0.3) == (at_risk, [])


def test_a_late_order_placed_before_the_customer_went_quiet_makes_them_active_not_won_back() -> None:
    journey = Journey(Stage.REPEAT, day(10), State.AT_RISK, day(40))
    step = on_order(journey, facts([day(0), day(10), day(35)], day(35)), day(35), RULES)
    assert step.changes == (Change("state", State.AT_RISK, State.ACTIVE, day(40), Cause.ORDER),)


def test_an_evaluation_catches_up_a_customer_whose_orders_were_never_seen() -> None:
    journey, changes = evaluate(start(T0), [0, 10], 100)
    assert journey.stage is Stage.REPEAT
    assert [(c.kind, c.new, c.cause) for c in changes] == [
        ("stage", Stage.REPEAT, Cause.ORDER), ("state", State.ACTIVE, Cause.ORDER),
        ("state", State.LAPSED, Cause.INACTIVITY)]


def test_a_prospect_has_no_state_and_evaluating_them_changes_nothing() -> None:
    assert evaluate(start(T0), [], 400) == (start(T0), [])


# Cadence

def test_cadence_is_the_customers_own_average_gap() -> None:
    assert cadence(facts([day(0), day(10), day(30)], day(30)), RULES) == timedelta(days=15)


def test_one_order_customers_follow_the_program_median_gap() -> None:
    one = facts([day(0)], day(0), program_median_gap=timedelta(days=20))
    assert cadence(one, RULES) == timedelta(days=20)
    assert quietness(one, day(40) - SECOND, RULES) == (State.ACTIVE, Cause.INACTIVITY)
    assert quietness(one, day(40), RULES) == (State.AT_RISK, Cause.INACTIVITY)
    assert quietness(one, day(80), RULES) == (State.LAPSED, Cause.INACTIVITY)


def test_without_a_program_median_one_order_customers_follow_the_fallback_gap() -> None:
    assert cadence(facts([day(0)], day(0)), RULES) == RULES.fallback_gap == timedelta(days=90)


def test_the_minimum_gap_keeps_two_orders_on_one_day_from_making_a_one_hour_cadence() -> None:
    same_day = facts([day(0), day(0) + timedelta(hours=1)], day(0))
    assert cadence(same_day, RULES) == RULES.min_gap == timedelta(days=7)
    assert cadence(facts([day(0)], day(0), program_median_gap=timedelta(days=2)), RULES) == timedelta(days=7)
    assert quietness(same_day, day(14) + timedelta(hours=1), RULES)[0] is State.AT_RISK


def test_multipliers_come_from_the_rules() -> None:
    rules = JourneyRules(at_risk_gaps=1.5, lapsed_gaps=3)
    orders = facts([day(0), day(10)], day(10))
    assert quietness(orders, day(25) - SECOND, rules)[0] is State.ACTIVE
    assert quietness(orders, day(25), rules)[0] is State.AT_RISK
    assert quietness(orders, day(40), rules)[0] is State.LAPSED


# The purchase model

@pytest.mark.parametrize(("p_alive", "expected"), [
    (1.0, State.ACTIVE), (0.5, State.ACTIVE), (0.4999, State.AT_RISK), (0.2, State.AT_RISK),
    (0.1999, State.LAPSED), (0.0, State.LAPSED),
])
def test_p_alive_thresholds_when_the_program_has_a_model(p_alive: float, expected: State) -> None:
    assert quietness(facts([day(0), day(10)], day(11), p_alive=p_alive), day(11), RULES) == (expected, Cause.MODEL)


def test_the_model_takes_precedence_over_the_cadence() -> None:
    long_silent = facts([day(0), day(10)], day(500), p_alive=0.9)
    assert quietness(long_silent, day(500), RULES) == (State.ACTIVE, Cause.MODEL)
    _, changes = evaluate(history(0, 10), [0, 10], 12, p_alive=0.1)
    assert changes == [Change("state", State.ACTIVE, State.LAPSED, day(12), Cause.MODEL)]


# Rules and facts are checked when made

@pytest.mark.parametrize(("field", "value"), [
    ("loyal_orders", 1), ("at_risk_p_alive", 0.2), ("lapsed_p_alive", 0.0), ("at_risk_p_alive", 1.1),
    ("at_risk_gaps", 0.5), ("lapsed_gaps", 2.0), ("loyal_window", timedelta(0)), ("min_gap", timedelta(days=-1)),
    ("fallback_gap", timedelta(0)), ("won_back_period", timedelta(0)),
])
def test_rules_out_of_bounds_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        JourneyRules(**{field: value})  # type: ignore[arg-type]


@pytest.mark.parametrize("extra", [
    {"orders": 1},
    {"orders": 0, "first_order_at": T0, "last_order_at": T0},
    {"orders": 2, "first_order_at": day(2), "last_order_at": day(1)},
    {"orders": 1, "first_order_at": T0, "last_order_at": T0, "orders_in_window": 2},
    {"orders": 1, "first_order_at": T0, "last_order_at": T0, "p_alive": 1.5},
])
def test_inconsistent_facts_are_refused(extra: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        Facts(**extra)  # type: ignore[arg-type]


def test_an_order_needs_facts_that_count_it() -> None:
    with pytest.raises(ValueError, match="at least that order"):
        on_order(start(T0), Facts(), T0, RULES)


# Any sequence of orders and evaluations

events = st.lists(st.tuples(st.sampled_from(["order", "evaluate"]), st.integers(0, 400), st.booleans(),
                            st.none() | st.floats(0, 1)), max_size=25)


@given(events)
def test_random_orders_and_evaluations_keep_the_stage_monotonic(sequence: list[tuple[str, int, bool, float | None]]
                                                               ) -> None:
    journey, at, orders = start(T0), T0, []
    for kind, gap_days, tier, p_alive in sequence:
        at += timedelta(days=gap_days)
        if kind == "order":
            orders.append(at)
        known = facts(orders, at, above_base_tier=tier, p_alive=p_alive)
        step = (on_order if kind == "order" else on_evaluation)(journey, known, at, RULES)
        assert STAGES.index(step.journey.stage) >= STAGES.index(journey.stage)
        assert (step.journey.state is None) == (not orders)
        for change in step.changes:
            assert change.at >= (journey.stage_since if change.kind == "stage" else journey.state_since or T0)
        journey = step.journey
    assert journey.stage is not Stage.PROSPECT or not orders
