"""The journey map's touchpoints: cohorts of members entering a stage, counted once when their touch window closes,
split by the messages they were sent in it; and the map's totals over a period's runs."""
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from chalicelib.domain.journey import Journey, JourneyRules, Stage, is_touchpoint
from chalicelib.domain.ledger import Member
from chalicelib.services.journey_map import journey_map, touch_counts

WINDOW = timedelta(days=30)
FIRST = datetime(2026, 3, 1, 15, 0, tzinfo=UTC)               # the first order: first_time from then
CLOSE = FIRST + WINDOW                                        # 2026-03-31 15:00


def member(days=(), entered=None, touches=None, created=FIRST):
    return Member(member_id="m_1", program_id="demo", email=None, first_name=None, points_balance=0,
                  pending_points=0, lifetime_points=0, tier="member", identities=(), created_at=created,
                  updated_at=created, purchase_days={d: Decimal(10) for d in days},
                  stage_entered=entered if entered is not None else {"first_time": FIRST},
                  touches=touches or {})


def first_time():
    return Journey(Stage.FIRST_TIME, FIRST, None, None)


def test_a_cohort_is_counted_by_the_first_run_after_its_window_closes_and_only_by_it():
    m = member([FIRST.date()])
    night = datetime(2026, 4, 1, 3, 15, tzinfo=UTC)
    assert touch_counts(m, first_time(), (), night - timedelta(days=1), night, WINDOW) == [
        "tp:first_time:30:all", "tp:first_time:30:none"]
    assert touch_counts(m, first_time(), (), night, night + timedelta(days=1), WINDOW) == []      # the next night
    assert touch_counts(m, first_time(), (), CLOSE - timedelta(days=2), CLOSE - timedelta(seconds=1), WINDOW) == []
    # Nights missed: the next completed run counts every window that closed since the last one.
    late = night + timedelta(days=5)
    assert touch_counts(m, first_time(), (), CLOSE - timedelta(days=3), late, WINDOW) == [
        "tp:first_time:30:all", "tp:first_time:30:none"]


def test_a_member_who_entered_a_later_stage_within_the_window_moved_forward_under_each_kind_it_was_sent():
    second = FIRST + timedelta(days=20)
    m = member([FIRST.date(), second.date()], entered={"first_time": FIRST, "repeat": second},
               touches={("first_time", "review_request"): FIRST + timedelta(days=7),
                        ("first_time", "points_earned"): FIRST + timedelta(minutes=5)})
    repeat = Journey(Stage.REPEAT, second, None, None)
    found = touch_counts(m, repeat, (), CLOSE - timedelta(days=1), CLOSE, WINDOW)
    assert found == ["tp:first_time:30:all", "tp:first_time:30:all:moved",
                     "tp:first_time:30:msg:points_earned", "tp:first_time:30:msg:points_earned:moved",
                     "tp:first_time:30:msg:review_request", "tp:first_time:30:msg:review_request:moved"]
    late = member([FIRST.date(), (CLOSE + timedelta(days=1)).date()],
                  entered={"first_time": FIRST, "repeat": CLOSE + timedelta(days=1)})
    assert touch_counts(late, Journey(Stage.REPEAT, CLOSE + timedelta(days=1)), (), CLOSE - timedelta(days=1),
                        CLOSE + timedelta(days=2), WINDOW) == ["tp:first_time:30:all", "tp:first_time:30:none"]


def test_a_customer_made_by_its_first_order_was_never_a_prospect_but_one_known_before_was():
    made_by_order = member([FIRST.date()], created=FIRST + timedelta(seconds=2))
    at = made_by_order.created_at + WINDOW
    assert [n for n in touch_counts(made_by_order, first_time(), (), at - timedelta(days=1), at, WINDOW)
            if n.startswith("tp:prospect")] == []
    known = FIRST - timedelta(days=10)                       # from HubSpot, ten days before the first order
    prospect = member([FIRST.date()], created=known)
    at = known + WINDOW
    assert touch_counts(prospect, first_time(), (), at - timedelta(days=1), at, WINDOW) == [
        "tp:prospect:30:all", "tp:prospect:30:all:moved", "tp:prospect:30:none", "tp:prospect:30:none:moved"]


def test_a_stage_change_made_by_this_run_counts_and_a_member_without_recorded_entries_counts_only_its_stage():
    loyal_at = FIRST + timedelta(days=10)                    # by tier, in this very run
    m = member([FIRST.date()], entered={"first_time": FIRST})
    from chalicelib.domain.journey import Cause, Change
    change = Change("stage", "first_time", "loyal", loyal_at, Cause.TIER)
    found = touch_counts(m, Journey(Stage.LOYAL, loyal_at), (change,), CLOSE - timedelta(days=1), CLOSE, WINDOW)
    assert found == ["tp:first_time:30:all", "tp:first_time:30:all:moved", "tp:first_time:30:none",
                     "tp:first_time:30:none:moved"]
    legacy = member([date(2025, 1, 1), date(2025, 2, 1)], entered={}, created=datetime(2025, 1, 1, 9, tzinfo=UTC))
    since = datetime(2025, 2, 1, tzinfo=UTC)
    assert touch_counts(legacy, Journey(Stage.REPEAT, since), (), since + WINDOW - timedelta(days=1),
                        since + WINDOW, WINDOW) == ["tp:repeat:30:all", "tp:repeat:30:none"]   # no first_time entry


def test_a_message_counts_as_a_touchpoint_in_its_stages_first_days_and_never_in_the_last_stage():
    rules = JourneyRules(touch_window=WINDOW)
    assert is_touchpoint(first_time(), CLOSE, rules)
    assert not is_touchpoint(first_time(), CLOSE + timedelta(seconds=1), rules)
    assert not is_touchpoint(first_time(), FIRST - timedelta(seconds=1), rules)
    assert not is_touchpoint(Journey(Stage.LOYAL, FIRST), FIRST, rules)


class Runs:
    def __init__(self, runs):
        self._runs = runs

    def latest_counts(self, program_id):
        return self._runs[-1] if self._runs else None

    def runs(self, program_id, start, end):
        return [r for r in self._runs if start <= r[0] <= end]


def test_the_map_sums_the_periods_cohorts_per_stage_and_kind():
    one = {"tp:first_time:30:all": 3, "tp:first_time:30:all:moved": 1, "tp:first_time:30:msg:review_request": 2,
           "tp:first_time:30:msg:review_request:moved": 1, "tp:first_time:30:none": 1}
    two = {"tp:first_time:30:all": 2, "tp:first_time:30:all:moved": 1, "tp:first_time:30:none": 2,
           "tp:first_time:30:none:moved": 1, "tp:prospect:30:all": 1, "tp:prospect:30:none": 1}
    nights = [datetime(2026, 4, 1, 3, 15, tzinfo=UTC), datetime(2026, 4, 2, 3, 15, tzinfo=UTC)]
    found = journey_map("demo", nights[0], nights[1], Runs(list(zip(nights, [one, two], strict=True))))
    [prospect, first] = found.touchpoints
    assert (prospect.stage, prospect.entered.members, prospect.no_message.members) == ("prospect", 1, 1)
    assert (first.stage, first.window_days) == ("first_time", 30)
    assert (first.entered.members, first.entered.moved_forward) == (5, 2)
    assert {k: (r.members, r.moved_forward) for k, r in first.messages.items()} == {"review_request": (2, 1)}
    assert (first.no_message.members, first.no_message.moved_forward) == (3, 1)
    only_first = journey_map("demo", nights[0], nights[0], Runs(list(zip(nights, [one, two], strict=True))))
    assert [t.entered.members for t in only_first.touchpoints] == [3]
