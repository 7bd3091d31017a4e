"""Where a customer is in their journey: a stage that only moves forward and a state that moves both ways.

Stage: prospect (no order) → first_time (one order) → repeat (2+ orders) → loyal (`loyal_orders` orders within
`loyal_window`, or a tier above the base tier once they have ordered); the stage a customer has reached is kept even
when the facts would no longer reach it.

State, for customers with an order: active, at_risk, lapsed, won_back. An order makes a customer active (their
first) or won_back (after at_risk or lapsed); the nightly evaluation moves them to at_risk or lapsed as they go
quiet, and won_back back to active once `won_back_period` has passed. A state improves only through an order: a
refitted model or a change of method never makes a silent customer active again. Quietness follows the customer's
own cadence: with a fitted purchase model, p_alive below `at_risk_p_alive` / `lapsed_p_alive` (cause "model");
otherwise the time since the last order against their average gap between orders, (last − first) / (orders − 1),
or the program's median gap for one-order customers (`fallback_gap` while it has none), floored at `min_gap`
(cause "inactivity"). At a threshold exactly, the customer has crossed it. The default multipliers 2× and 4× are
where a customer buying at a steady rate (exponential gaps) would still be silent only e^-2 ≈ 14 % and e^-4 ≈ 2 % of
the time. won_back's period ending is cause "period"; a stage reached through a tier, cause "tier".

Every function takes the time as a parameter and returns the changes with their time and cause.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum


class Stage(StrEnum):
    PROSPECT = "prospect"
    FIRST_TIME = "first_time"
    REPEAT = "repeat"
    LOYAL = "loyal"


class State(StrEnum):
    ACTIVE = "active"
    AT_RISK = "at_risk"
    LAPSED = "lapsed"
    WON_BACK = "won_back"


class Cause(StrEnum):
    ORDER = "order"              # an order moved the stage or the state
    TIER = "tier"                # a tier above the base made the customer loyal
    INACTIVITY = "inactivity"    # silence against the customer's cadence
    MODEL = "model"              # the purchase model's p_alive
    PERIOD = "period"            # won_back's period ended: active again


STAGES = tuple(Stage)
_QUIETNESS = {State.ACTIVE: 0, State.WON_BACK: 0, State.AT_RISK: 1, State.LAPSED: 2}


@dataclass(frozen=True)
class JourneyRules:
    loyal_orders: int = 4                          # orders within the window that make a customer loyal
    loyal_window: timedelta = timedelta(days=365)
    loyal_by_tier: bool = True                     # a tier above the base makes a customer (with an order) loyal
    at_risk_p_alive: float = 0.5                   # with a model: at_risk below this p_alive
    lapsed_p_alive: float = 0.2                    # with a model: lapsed below this p_alive
    at_risk_gaps: float = 2.0                      # without: at_risk after this many average gaps of silence
    lapsed_gaps: float = 4.0                       # without: lapsed after this many
    min_gap: timedelta = timedelta(days=7)         # floor of a cadence: two orders on one day are not a habit
    fallback_gap: timedelta = timedelta(days=90)   # one-order customer in a program with no median gap yet
    won_back_period: timedelta = timedelta(days=90)
    touch_window: timedelta = timedelta(days=30)   # the journey map's touchpoints: a stage's first days, and messages

    def __post_init__(self) -> None:
        durations = ("loyal_window", "min_gap", "fallback_gap", "won_back_period", "touch_window")
        checks = {
            "loyal_orders must be at least 2": self.loyal_orders >= 2,
            "0 < lapsed_p_alive < at_risk_p_alive ≤ 1": 0 < self.lapsed_p_alive < self.at_risk_p_alive <= 1,
            "1 ≤ at_risk_gaps < lapsed_gaps": 1 <= self.at_risk_gaps < self.lapsed_gaps,
            **{f"{name} must be positive": getattr(self, name) > timedelta(0) for name in durations},
        }
        problems = [message for message, ok in checks.items() if not ok]
        if problems:
            raise ValueError("; ".join(problems))


@dataclass(frozen=True)
class Facts:
    """What is known of a customer as of the time of a transition."""

    orders: int = 0
    first_order_at: datetime | None = None
    last_order_at: datetime | None = None
    orders_in_window: int = 0                  # orders within the rules' loyal_window up to the time
    above_base_tier: bool = False
    p_alive: float | None = None               # None unless the program has a fitted purchase model
    program_median_gap: timedelta | None = None

    def __post_init__(self) -> None:
        if (self.orders > 0) != (self.first_order_at is not None and self.last_order_at is not None):
            raise ValueError("first and last order times are given exactly when there are orders")
        if self.first_order_at and self.last_order_at and self.first_order_at > self.last_order_at:
            raise ValueError("the first order cannot follow the last")
        if not 0 <= self.orders_in_window <= self.orders:
            raise ValueError("orders_in_window must be between 0 and orders")
        if self.p_alive is not None and not 0 <= self.p_alive <= 1:
            raise ValueError("p_alive must be between 0 and 1")


def day_start(day: date) -> datetime:
    """A purchase day as a time: its start, in UTC (cadences are counted in days)."""
    return datetime.combine(day, time(), tzinfo=UTC)


def facts_from_days(days: dict[date, Decimal], at: datetime, above_base_tier: bool, rules: JourneyRules,
                    p_alive: float | None = None, program_median_gap: timedelta | None = None) -> Facts:
    """The facts of a member's purchase days up to the day of `at`: orders count once per day."""
    ordered = sorted(day for day in days if day <= at.date())
    if not ordered:
        return Facts(above_base_tier=above_base_tier)
    window_start = (at - rules.loyal_window).date()
    return Facts(orders=len(ordered), first_order_at=day_start(ordered[0]), last_order_at=day_start(ordered[-1]),
                 orders_in_window=sum(1 for day in ordered if day > window_start), above_base_tier=above_base_tier,
                 p_alive=p_alive, program_median_gap=program_median_gap)


@dataclass(frozen=True)
class Journey:
    stage: Stage
    stage_since: datetime
    state: State | None = None                 # None until the first order
    state_since: datetime | None = None


@dataclass(frozen=True)
class Rfm:
    """A member's RFM scores (1–5, 5 = best) and segment from the last nightly run, and the segment before it."""

    recency: int
    frequency: int
    monetary: int
    segment: str
    previous_segment: str | None = None


@dataclass(frozen=True)
class Prediction:
    """What the program's fitted customer model predicts for the member, as of the last nightly run."""

    p_alive: float
    expected_orders_365d: float
    predicted_clv_365d: Decimal            # shop currency, rounded to cents
    expected_next_order_at: datetime | None


@dataclass(frozen=True)
class Change:
    kind: str                                  # "stage" or "state"
    old: str | None
    new: str
    at: datetime
    cause: Cause


@dataclass(frozen=True)
class Step:
    journey: Journey
    changes: tuple[Change, ...] = ()


def is_touchpoint(current: Journey, at: datetime, rules: JourneyRules) -> bool:
    """A message sent at `at` is a touchpoint of the member's stage when the stage has a next one and the member
    entered it at most `touch_window` before: the journey map compares those members' moves with the others'."""
    return current.stage is not Stage.LOYAL and timedelta(0) <= at - current.stage_since <= rules.touch_window


def start(at: datetime) -> Journey:
    """A customer known (from a signup or a CRM) at `at`, before any order."""
    return Journey(Stage.PROSPECT, at)


def on_order(current: Journey, facts: Facts, at: datetime, rules: JourneyRules) -> Step:
    """An order placed at `at`; `facts` include it. An order arriving late, placed before the at_risk or lapsed state
    began, shows that state was judged on missing facts: the customer is active again (not won_back), and the next
    evaluation judges them on the whole history."""
    if facts.orders < 1:
        raise ValueError("an order's facts count at least that order")
    step = _advance_stage(current, facts, at, rules)
    journey = step.journey
    if journey.state in (State.ACTIVE, State.WON_BACK):
        return step
    since = journey.state_since
    won_back = journey.state is not None and since is not None and at > since
    new = State.WON_BACK if won_back else State.ACTIVE
    return _with_state(step, new, at, Cause.ORDER)


def on_evaluation(current: Journey, facts: Facts, at: datetime, rules: JourneyRules) -> Step:
    """The nightly evaluation at `at`: a stage reached by tier, quietness, won_back's period ending."""
    step = _advance_stage(current, facts, at, rules)
    if facts.orders == 0:
        return step
    state = step.journey.state
    if state is None:
        step = _with_state(step, State.ACTIVE, at, Cause.ORDER)
        state = State.ACTIVE
    level, cause = quietness(facts, at, rules)
    if _QUIETNESS[level] > _QUIETNESS[state]:
        return _with_state(step, level, at, cause)
    since = step.journey.state_since
    if state is State.WON_BACK and since is not None and at - since >= rules.won_back_period:
        return _with_state(step, State.ACTIVE, at, Cause.PERIOD)
    return step


def quietness(facts: Facts, at: datetime, rules: JourneyRules) -> tuple[State, Cause]:
    """active, at_risk or lapsed at `at` by the model's p_alive when there is one, else by the cadence."""
    if facts.p_alive is not None:
        p_alive = facts.p_alive
        level = (State.LAPSED if p_alive < rules.lapsed_p_alive
                 else State.AT_RISK if p_alive < rules.at_risk_p_alive else State.ACTIVE)
        return level, Cause.MODEL
    if facts.last_order_at is None:
        raise ValueError("quietness needs an order")
    silence, gap = at - facts.last_order_at, cadence(facts, rules)
    level = (State.LAPSED if silence >= gap * rules.lapsed_gaps
             else State.AT_RISK if silence >= gap * rules.at_risk_gaps else State.ACTIVE)
    return level, Cause.INACTIVITY


def cadence(facts: Facts, rules: JourneyRules) -> timedelta:
    """The customer's average gap between orders, or the program's median for one order, at least min_gap."""
    if facts.orders >= 2 and facts.first_order_at and facts.last_order_at:
        gap = (facts.last_order_at - facts.first_order_at) / (facts.orders - 1)
    else:
        gap = facts.program_median_gap or rules.fallback_gap
    return max(gap, rules.min_gap)


def reached(facts: Facts, rules: JourneyRules) -> tuple[Stage, Cause]:
    """The stage the facts reach on their own, and what reached it."""
    if facts.orders >= 1 and facts.orders_in_window >= rules.loyal_orders:
        return Stage.LOYAL, Cause.ORDER
    if facts.orders >= 1 and rules.loyal_by_tier and facts.above_base_tier:
        return Stage.LOYAL, Cause.TIER
    return STAGES[min(facts.orders, 2)], Cause.ORDER


def _advance_stage(current: Journey, facts: Facts, at: datetime, rules: JourneyRules) -> Step:
    target, cause = reached(facts, rules)
    if STAGES.index(target) <= STAGES.index(current.stage):
        return Step(current)
    when = max(at, current.stage_since)
    change = Change("stage", current.stage, target, when, cause)
    return Step(replace(current, stage=target, stage_since=when), (change,))


def _with_state(step: Step, new: State, at: datetime, cause: Cause) -> Step:
    old, since = step.journey.state, step.journey.state_since
    when = max(at, since) if since is not None else at
    change = Change("state", old, new, when, cause)
    return Step(replace(step.journey, state=new, state_since=when), (*step.changes, change))
