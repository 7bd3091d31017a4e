"""Campaigns: a definition parsed with every problem at its path, entry by audience and by date triggers in the
program's time zone, walking the steps (the holdout included), the goal window, holdout shares and enrollment refs."""
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from chalicelib.domain import campaigns as c
from chalicelib.domain.journey import Journey, Stage, State
from chalicelib.domain.ledger import Member
from chalicelib.domain.segment_rules import MemberView

CREATED = datetime(2024, 1, 10, 12, tzinfo=UTC)
NOW = datetime(2026, 6, 11, 3, 15, tzinfo=UTC)          # a nightly run's as_of
SINCE = NOW - timedelta(days=1)                         # the previous run's
ZONE = ZoneInfo("UTC")
AUCKLAND = ZoneInfo("Pacific/Auckland")
GOLD = {"field": "tier", "op": "eq", "value": "gold"}
AT_RISK = Journey(Stage.REPEAT, CREATED, State.AT_RISK, CREATED)
ACTIVE_CUSTOMER = Journey(Stage.REPEAT, CREATED, State.ACTIVE, CREATED)
CTA = {"label": "Shop", "url": "https://shop.example/"}


def no_content_problems(subject, blocks, cta, at):
    return []


def offer_as_is(raw, at):
    return raw, []


def parse(raw, content=no_content_problems, offer=offer_as_is, **lists):
    return c.parse_definition(raw, "cmp_1", content, offer, **lists)


def problems_of(raw, **kwargs):
    campaign, problems = parse(raw, **kwargs)
    assert (campaign is None) == bool(problems)
    return problems


def member(**fields) -> Member:
    defaults = {"member_id": "m_1", "program_id": "demo", "email": None, "first_name": None, "points_balance": 0,
                "pending_points": 0, "lifetime_points": 0, "tier": "member", "identities": (),
                "created_at": CREATED, "updated_at": CREATED}
    return Member(**(defaults | fields))


def view(**fields) -> MemberView:
    return MemberView.of(member(**fields))


def send(step_id, **spec):
    return {"id": step_id, "type": "send", "subject": "Hello", "blocks": [{"markdown": "Hi"}], "cta": CTA, **spec}


MINIMAL = {"name": "Win-back", "steps": [send("hello")]}

FULL = {
    "name": "Win-back", "description": "Bring quiet customers back",
    "audience": {"segment": "state:at_risk"}, "trigger": {"type": "audience"},
    "steps": [
        send("hello", preheader="Your points are waiting"),
        {"id": "watch", "type": "wait_until", "event": "click", "timeout_days": 7, "on_timeout": "nudge"},
        {"id": "pause", "type": "wait", "days": 2, "hours": 6},
        {"id": "gold", "type": "split", "match": GOLD, "then": "gift", "else": "exit"},
        send("nudge"),
        {"id": "gift", "type": "grant", "offer": {"bonus_points": 100}},
        {"id": "bye", "type": "exit"},
    ],
    "goal": {"order_within_days": 30}, "holdout_percent": 20, "reentry": {"after_days": 180}, "stop_on_order": False,
}


def with_(**fields):
    return MINIMAL | fields


# ---------------------------------------------------------------- parse_definition


def test_a_full_definition_round_trips_through_definition():
    campaign, problems = parse(FULL)
    assert problems == []
    assert campaign.definition() == FULL
    assert parse(campaign.definition()) == (campaign, [])
    assert (campaign.campaign_id, campaign.status, campaign.reentry_days, campaign.holdout_percent) == \
        ("cmp_1", c.DRAFT, 180, 20)
    assert [s.id for s in campaign.steps] == ["hello", "watch", "pause", "gold", "nudge", "gift", "bye"]


def test_a_minimal_definition_takes_the_defaults():
    campaign, problems = parse({"name": "  Win-back  ", "steps": [send("hello")], "template": "win_back"})
    assert problems == []
    assert campaign.name == "Win-back"                                  # stripped
    assert (campaign.audience, campaign.trigger, campaign.goal_days, campaign.holdout_percent) == \
        ({}, c.AUDIENCE, c.DEFAULT_GOAL_DAYS, c.DEFAULT_HOLDOUT)
    assert (campaign.reentry_days, campaign.stop_on_order, campaign.description, campaign.template) == \
        (None, True, "", "win_back")
    assert campaign.definition()["reentry"] == {"never": True}


def test_a_stored_definition_is_the_campaign_with_its_meta():
    campaign, _ = parse(FULL)
    stored = c.from_stored("cmp_1", campaign.definition(), status=c.ACTIVE, version=3, activated_at=NOW)
    assert stored == replace(campaign, status=c.ACTIVE, version=3, activated_at=NOW)


def test_anything_but_an_object_is_one_problem():
    assert parse(["name"]) == (None, ["body: a JSON object with name, audience, trigger and steps"])


@pytest.mark.parametrize(("fields", "path"), [
    ({"colour": "red"}, "colour: not a campaign field"),
    ({"name": ""}, "name: "),
    ({"name": "   "}, "name: "),
    ({"name": "x" * 101}, "name: "),
    ({"name": 7}, "name: "),
    ({"description": "x" * 501}, "description: "),
    ({"description": None}, "description: "),
    ({"audience": {"segment": "state:sleepy"}}, "audience.segment: 'state:sleepy' is no segment"),
    ({"audience": {"segment": "big-spenders"}}, "audience.segment: 'big-spenders' is no segment"),
    ({"audience": {"match": {"field": "colour", "op": "eq", "value": 1}}}, "audience.match.field: "),
    ({"audience": {"match": {"field": "tier", "op": "gt", "value": "gold"}}}, "audience.match.op: "),
    ({"audience": {"match": "everyone"}}, "audience.match: "),
    ({"audience": []}, "audience: {} (every member)"),
    ({"audience": {"everyone": True}}, "audience: {} (every member)"),
    ({"audience": {"segment": "state:at_risk", "match": GOLD}}, "audience: {} (every member)"),
    ({"trigger": {"type": "signup"}}, "trigger.type: one of audience, first_order, birthday, anniversary"),
    ({"trigger": "audience"}, "trigger.type: "),
    ({"trigger": None}, "trigger.type: "),
    ({"goal": {"order_within_days": 0}}, "goal: "),
    ({"goal": {"order_within_days": 366}}, "goal: "),
    ({"goal": {"order_within_days": "14"}}, "goal: "),
    ({"goal": {"order_within_days": 14, "revenue": 10}}, "goal: "),
    ({"goal": {}}, "goal: "),
    ({"goal": 14}, "goal: "),
    ({"holdout_percent": -1}, "holdout_percent: an integer from 0 to 50"),
    ({"holdout_percent": 51}, "holdout_percent: "),
    ({"holdout_percent": 10.5}, "holdout_percent: "),
    ({"holdout_percent": True}, "holdout_percent: "),
    ({"holdout_percent": "10"}, "holdout_percent: "),
    ({"reentry": {"never": False}}, "reentry: "),
    ({"reentry": {"after_days": 0}}, "reentry: "),
    ({"reentry": {"after_days": 3651}}, "reentry: "),
    ({"reentry": {"after_days": "30"}}, "reentry: "),
    ({"reentry": {"after_days": True}}, "reentry: "),
    ({"reentry": {"after_days": 30, "never": True}}, "reentry: "),
    ({"reentry": {}}, "reentry: "),
    ({"reentry": None}, "reentry: "),
    ({"stop_on_order": "yes"}, "stop_on_order: true or false"),
    ({"steps": []}, "steps: a list of 1 to 30 steps"),
    ({"steps": None}, "steps: "),
    ({"steps": [send(f"s{i}") for i in range(31)]}, "steps: "),
    ({"steps": ["send"]}, "steps[0]: an object with id and type"),
])
def test_each_problem_is_reported_at_its_path(fields, path):
    problems = problems_of(with_(**fields))
    assert len(problems) == 1, problems
    assert problems[0].startswith(path)


@pytest.mark.parametrize("fields", [
    {"holdout_percent": 0}, {"holdout_percent": 50}, {"goal": {"order_within_days": 1}},
    {"goal": {"order_within_days": 365}}, {"reentry": {"after_days": 1}}, {"reentry": {"after_days": 3650}},
    {"reentry": {"never": True}}, {"audience": {}}, {"audience": {"segment": "stage:prospect"}},
    {"audience": {"segment": "rfm:champions"}}, {"audience": {"match": GOLD}}, {"trigger": {}},
    {"trigger": {"type": "first_order"}}, {"description": "x" * 500}, {"name": "x" * 100},
])
def test_the_bounds_themselves_are_valid(fields):
    assert problems_of(with_(**fields)) == []


def test_a_custom_segment_and_a_synced_hubspot_property_are_known_when_the_program_has_them():
    assert problems_of(with_(audience={"segment": "big-spenders"}), custom_segments=["big-spenders"]) == []
    plan = {"field": "hubspot:plan", "op": "eq", "value": "pro"}
    assert problems_of(with_(audience={"match": plan}), hubspot_synced=["plan"]) == []
    split = {"id": "plan", "type": "split", "match": plan, "then": "hello"}
    assert problems_of(with_(steps=[split, send("hello")]), hubspot_synced=["plan"]) == []


def test_a_hubspot_property_the_program_does_not_sync_is_reported_at_its_own_path():
    plan = {"field": "hubspot:plan", "op": "eq", "value": "pro"}
    unsynced = ("hubspot:plan is not a HubSpot property this program syncs; synced: none (program config "
                "hubspot_synced_properties)")
    assert problems_of(with_(audience={"match": plan})) == [f"audience.match.field: {unsynced}"]
    split = {"id": "plan", "type": "split", "match": {"not": plan}, "then": "hello"}
    assert problems_of(with_(steps=[split, send("hello")])) == [f"steps[0].match.not.field: {unsynced}"]


def test_a_segment_that_is_not_a_string_is_a_problem_not_a_crash():
    # The admin shape lets any JSON value through as audience.segment; a list must be reported like any other name.
    problems = problems_of(with_(audience={"segment": ["state:at_risk"]}))
    assert len(problems) == 1
    assert problems[0].startswith("audience.segment: ")


def test_every_problem_is_reported_at_once():
    problems = problems_of({"name": "", "colour": "red", "holdout_percent": 60, "trigger": {"type": "x"},
                            "steps": [{"id": "exit", "type": "wait"}]})
    assert [p.split(":")[0] for p in problems] == \
        ["colour", "name", "trigger.type", "holdout_percent", "steps[0].id", "steps[0]"]


@pytest.mark.parametrize(("steps", "paths"), [
    ([send("a"), send("a")], ["steps[0].id: 'a' names two steps", "steps[1].id: 'a' names two steps"]),
    ([send("exit")], ["steps[0].id: 1 to 32 characters"]),
    ([send("Hello")], ["steps[0].id: "]),
    ([send("")], ["steps[0].id: "]),
    ([send("a" * 33)], ["steps[0].id: "]),
    ([send(7)], ["steps[0].id: "]),
    ([{"type": "exit"}], ["steps[0].id: "]),
    ([{"id": "a", "type": "sms"}], ["steps[0].type: one of wait, wait_until, split, send, grant, exit"]),
    ([{"id": "a"}], ["steps[0].type: "]),
    ([send("a", colour="red")], ["steps[0].colour: not a field of a send step (fields: blocks, cta, preheader, "
                                 "subject)"]),
    ([{"id": "a", "type": "exit", "days": 1}], ["steps[0].days: not a field of a exit step (fields: none)"]),
    ([{"id": "a", "type": "wait", "days": 0, "hours": 0}], ["steps[0]: days (0 to 365) and hours (0 to 23)"]),
    ([{"id": "a", "type": "wait"}], ["steps[0]: days "]),
    ([{"id": "a", "type": "wait", "days": 366}], ["steps[0]: days "]),
    ([{"id": "a", "type": "wait", "hours": 24}], ["steps[0]: days "]),
    ([{"id": "a", "type": "wait", "days": -1, "hours": 2}], ["steps[0]: days "]),
    ([{"id": "a", "type": "wait", "days": 1.5}], ["steps[0]: days "]),
    ([{"id": "a", "type": "wait_until", "event": "open", "timeout_days": 3}], ["steps[0].event: click or order"]),
    ([{"id": "a", "type": "wait_until", "event": "click"}], ["steps[0].timeout_days: an integer from 1 to 365"]),
    ([{"id": "a", "type": "wait_until", "event": "click", "timeout_days": 0}], ["steps[0].timeout_days: "]),
    ([{"id": "a", "type": "wait_until", "event": "order", "timeout_days": 366}], ["steps[0].timeout_days: "]),
    ([{"id": "a", "type": "split", "match": GOLD}, send("b")], ["steps[0].then: the id of a later step",
                                                                "steps[0].then: the id of a later step"]),
    ([{"id": "a", "type": "split", "match": {"field": "tier"}, "then": "exit"}], ["steps[0].match.op: "]),
    ([{"id": "a", "type": "split", "then": "exit"}], ["steps[0].match: "]),
    ([send("a", preheader="x" * 151)], ["steps[0].preheader: a string of at most 150 characters"]),
    ([send("a", preheader=5)], ["steps[0].preheader: "]),
])
def test_step_problems_are_reported_at_the_steps_path(steps, paths):
    problems = problems_of(with_(steps=steps))
    assert len(problems) == len(paths), problems
    assert all(p.startswith(path) for p, path in zip(problems, paths, strict=True)), problems


BACK = "the id of a later step, or \"exit\" (steps never jump back)"


@pytest.mark.parametrize(("jump", "path"), [
    ({"type": "split", "match": GOLD, "then": "first"}, "steps[1].then"),        # backwards
    ({"type": "split", "match": GOLD, "then": "here"}, "steps[1].then"),         # to itself
    ({"type": "split", "match": GOLD, "then": "nowhere"}, "steps[1].then"),      # unknown
    ({"type": "split", "match": GOLD, "then": None}, "steps[1].then"),
    ({"type": "split", "match": GOLD, "then": "last", "else": "first"}, "steps[1].else"),
    ({"type": "split", "match": GOLD, "then": "last", "else": "nowhere"}, "steps[1].else"),
    ({"type": "wait_until", "event": "click", "timeout_days": 3, "on_timeout": "first"}, "steps[1].on_timeout"),
    ({"type": "wait_until", "event": "click", "timeout_days": 3, "on_timeout": "here"}, "steps[1].on_timeout"),
    ({"type": "wait_until", "event": "order", "timeout_days": 3, "on_timeout": "nowhere"}, "steps[1].on_timeout"),
])
def test_jumps_go_only_forward_to_a_known_step(jump, path):
    problems = problems_of(with_(steps=[send("first"), {"id": "here", **jump}, send("last")]))
    assert problems == [f"{path}: {BACK}"]


@pytest.mark.parametrize("jump", [
    {"type": "split", "match": GOLD, "then": "last"},
    {"type": "split", "match": GOLD, "then": "exit", "else": "exit"},
    {"type": "split", "match": GOLD, "then": "last", "else": None},
    {"type": "wait_until", "event": "click", "timeout_days": 3, "on_timeout": "last"},
    {"type": "wait_until", "event": "click", "timeout_days": 3, "on_timeout": "exit"},
    {"type": "wait_until", "event": "order", "timeout_days": 3, "on_timeout": None},
    {"type": "wait_until", "event": "order", "timeout_days": 3},
])
def test_a_jump_forward_or_to_exit_is_valid(jump):
    assert problems_of(with_(steps=[send("first"), {"id": "here", **jump}, send("last")])) == []


@pytest.mark.parametrize("trigger", [c.BIRTHDAY, c.ANNIVERSARY])
def test_a_yearly_trigger_reenters_at_most_once_a_year(trigger):
    short = problems_of(with_(trigger={"type": trigger}, reentry={"after_days": 299}))
    assert len(short) == 1
    assert short[0].startswith("reentry.after_days: a birthday or anniversary campaign enters a member once a year")
    assert problems_of(with_(trigger={"type": trigger}, reentry={"after_days": 300})) == []
    assert problems_of(with_(trigger={"type": trigger}, reentry={"never": True})) == []
    assert problems_of(with_(trigger={"type": trigger})) == []
    assert problems_of(with_(trigger={"type": c.AUDIENCE}, reentry={"after_days": 30})) == []


def test_the_content_checkers_problems_are_included_and_it_sees_each_send():
    seen = []

    def content(subject, blocks, cta, at):
        seen.append((subject, blocks, cta, at))
        return [f"{at}.subject: too long"] if subject == "Too long" else []

    steps = [send("a"), {"id": "w", "type": "wait", "hours": 1}, send("b", subject="Too long")]
    assert problems_of(with_(steps=steps), content=content) == ["steps[2].subject: too long"]
    assert seen == [("Hello", [{"markdown": "Hi"}], CTA, "steps[0]"),
                    ("Too long", [{"markdown": "Hi"}], CTA, "steps[2]")]


def test_the_offer_checkers_problems_are_included_at_the_offers_path():
    seen = []

    def offer(raw, at):
        seen.append((raw, at))
        return None, [f"{at}: bonus_points from 1 to 10,000"]

    steps = [send("a"), {"id": "gift", "type": "grant", "offer": {"bonus_points": 0}}]
    assert problems_of(with_(steps=steps), offer=offer) == ["steps[1].offer: bonus_points from 1 to 10,000"]
    assert seen == [({"bonus_points": 0}, "steps[1].offer")]


def test_a_grant_keeps_the_offer_as_written():
    campaign, _ = parse(with_(steps=[{"id": "gift", "type": "grant", "offer": {"bonus_points": 50}}]))
    assert campaign.steps == (c.Step("gift", c.GRANT, {"offer": {"bonus_points": 50}}),)


# ---------------------------------------------------------------- entry_time


def campaign(trigger=c.AUDIENCE, audience=None, **fields) -> c.Campaign:
    return c.Campaign(campaign_id="cmp_1", name="Test", audience=audience or {}, trigger=trigger,
                      steps=(c.Step("hello", c.SEND, {}),), status=c.ACTIVE, **fields)


def entry(k: c.Campaign, v: MemberView, since=SINCE, now=NOW, zone=ZONE, custom=None):
    return c.entry_time(k, c.audience_predicate(k, custom or {}), v, since, now, zone)


def test_an_audience_campaign_enters_members_in_its_segment():
    k = campaign(audience={"segment": "state:at_risk"})
    assert entry(k, view(journey=AT_RISK)) == NOW
    assert entry(k, view(journey=ACTIVE_CUSTOMER)) is None
    assert entry(k, view()) is None                                      # a prospect has no state


def test_an_audience_campaign_enters_members_matching_its_predicate():
    k = campaign(audience={"match": GOLD})
    assert entry(k, view(tier="gold")) == NOW
    assert entry(k, view(tier="silver")) is None


def test_an_empty_audience_is_everyone():
    k = campaign()
    assert c.audience_predicate(k, {}) is None
    assert entry(k, view()) == NOW


def test_a_custom_segment_is_resolved_and_a_deleted_one_is_nobody():
    k = campaign(audience={"segment": "goldies"})
    assert c.audience_predicate(k, {"goldies": GOLD}) == GOLD
    assert entry(k, view(tier="gold"), custom={"goldies": GOLD}) == NOW
    assert entry(k, view(tier="silver"), custom={"goldies": GOLD}) is None
    for journey in (None, AT_RISK, Journey(Stage.LOYAL, CREATED, State.ACTIVE, CREATED)):
        assert entry(k, view(tier="gold", journey=journey)) is None


@pytest.mark.parametrize("status", [c.DRAFT, c.PAUSED])
def test_a_campaign_that_is_not_active_enters_nobody(status):
    assert entry(replace(campaign(), status=status), view()) is None


@pytest.mark.parametrize("fields", [{"erased_at": SINCE}, {"merged_into": "m_2"}])
def test_erased_and_merged_members_never_enter(fields):
    assert entry(campaign(), view(**fields)) is None
    assert entry(campaign(c.BIRTHDAY), view(birthday=date(1990, 6, 11), **fields)) is None


def test_a_member_who_entered_never_enters_again_without_reentry():
    assert entry(campaign(), view(campaigns={"cmp_1": NOW - timedelta(days=3000)})) is None
    assert entry(campaign(), view(campaigns={"cmp_other": NOW - timedelta(days=1)})) == NOW


def test_reentry_after_days_counts_from_the_last_entry():
    k = campaign(reentry_days=180)
    assert entry(k, view(campaigns={"cmp_1": NOW - timedelta(days=180)})) == NOW
    assert entry(k, view(campaigns={"cmp_1": NOW - timedelta(days=180) + timedelta(seconds=1)})) is None
    assert entry(k, view(campaigns={"cmp_1": NOW - timedelta(days=10)})) is None


def test_first_order_enters_a_member_whose_first_purchase_day_fell_since_the_last_run():
    k = campaign(c.FIRST_ORDER)
    assert entry(k, view(purchase_days={NOW.date(): Decimal(40)})) == NOW
    assert entry(k, view(purchase_days={SINCE.date() - timedelta(days=1): Decimal(40)})) is None
    assert entry(k, view(purchase_days={date(2025, 1, 2): Decimal(10), NOW.date(): Decimal(40)})) is None   # 2nd
    assert entry(k, view()) is None
    assert entry(k, view(purchase_days={NOW.date() + timedelta(days=1): Decimal(40)})) is None  # not yet counted


def test_first_order_enters_a_member_whose_first_order_came_after_the_last_run_on_that_runs_day():
    # The nightly run is at 03:15 UTC: a first order paid at 15:00 the same day has the previous run's date as its
    # purchase day. The next run must enter the member (no later run will: that day is never after `since` again).
    k = campaign(c.FIRST_ORDER)
    ordered = view(purchase_days={SINCE.date(): Decimal(40)}, last_activity_at=SINCE + timedelta(hours=12))
    assert entry(k, ordered) == NOW


@pytest.mark.parametrize("trigger", [c.FIRST_ORDER, c.BIRTHDAY])
def test_a_date_trigger_enters_only_members_in_the_audience(trigger):
    k = campaign(trigger, audience={"match": GOLD})
    facts = {"purchase_days": {NOW.date(): Decimal(40)}, "birthday": date(1990, 6, 11)}
    assert entry(k, view(tier="gold", **facts)) == NOW
    assert entry(k, view(tier="silver", **facts)) is None


def test_a_birthday_enters_on_its_day_and_not_the_days_around_it():
    k = campaign(c.BIRTHDAY)
    assert entry(k, view(birthday=date(1990, 6, 11))) == NOW
    assert entry(k, view(birthday=date(1990, 6, 10))) is None          # the previous run's day: it took it
    assert entry(k, view(birthday=date(1990, 6, 12))) is None
    assert entry(k, view()) is None                                    # no birthday known


def test_a_birthday_falls_on_the_programs_local_day():
    # 13:00 UTC on 10 June is 01:00 on 11 June in Auckland (NZST, +12).
    now = datetime(2026, 6, 10, 13, tzinfo=UTC)
    since = now - timedelta(days=1)
    k = campaign(c.BIRTHDAY)
    eleventh, tenth = view(birthday=date(1990, 6, 11)), view(birthday=date(1990, 6, 10))
    assert entry(k, eleventh, since, now, AUCKLAND) == now
    assert entry(k, eleventh, since, now, ZONE) is None
    assert entry(k, tenth, since, now, AUCKLAND) is None
    assert entry(k, tenth, since, now, ZONE) == now


def test_a_skipped_night_still_catches_the_birthday():
    k = campaign(c.BIRTHDAY)
    assert entry(k, view(birthday=date(1990, 6, 10)), since=NOW - timedelta(days=2)) == NOW
    assert entry(k, view(birthday=date(1990, 6, 9)), since=NOW - timedelta(days=2)) is None


def test_a_29_february_birthday_is_on_28_february_in_other_years():
    k = campaign(c.BIRTHDAY)
    leapling = view(birthday=date(2000, 2, 29))

    def on(day):
        now = datetime.combine(day, NOW.timetz())
        return entry(k, leapling, now - timedelta(days=1), now)

    assert on(date(2027, 2, 28)) is not None
    assert on(date(2027, 3, 1)) is None
    assert on(date(2028, 2, 28)) is None                              # 2028 is a leap year: the 29th
    assert on(date(2028, 2, 29)) is not None
    assert on(date(2028, 3, 1)) is None


def test_a_birthday_enters_at_most_once_in_300_days():
    k = campaign(c.BIRTHDAY)
    assert entry(k, view(birthday=date(1990, 6, 11), campaigns={"cmp_1": NOW - timedelta(days=2)})) is None
    assert entry(k, view(birthday=date(1990, 6, 11), campaigns={"cmp_1": NOW - timedelta(days=365)})) == NOW
    assert entry(k, view(birthday=date(1990, 6, 11), campaigns={"cmp_1": NOW - c.YEARLY_GAP})) == NOW
    # A birthday changed in the CRM since the last entry waits out the gap, in any time zone.
    last = {"cmp_1": NOW - c.YEARLY_GAP + timedelta(seconds=1)}
    assert entry(k, view(birthday=date(1990, 6, 11), campaigns=last), zone=AUCKLAND) is None
    assert entry(k, view(birthday=date(1990, 6, 11), campaigns=last), zone=ZONE) is None


def test_a_birthday_caught_late_after_new_year_does_not_cost_that_years_birthday():
    # The run of 31 Dec 2025 is skipped: the run of 1 Jan 2026 catches the 2025 birthday (an entry dated 2026).
    k = campaign(c.BIRTHDAY)
    new_year = datetime(2026, 1, 1, 3, 15, tzinfo=UTC)
    v = view(birthday=date(1990, 12, 31))
    assert entry(k, v, new_year - timedelta(days=2), new_year) == new_year
    # The 2026 birthday must still enter the member on 31 Dec 2026, with nightly runs from then on.
    late = view(birthday=date(1990, 12, 31), campaigns={"cmp_1": new_year})
    eve = datetime(2026, 12, 31, 3, 15, tzinfo=UTC)
    assert entry(k, late, eve - timedelta(days=1), eve) == eve


def test_an_anniversary_is_a_year_after_joining_in_the_programs_zone_never_the_join_day():
    joined = datetime(2025, 6, 10, 20, tzinfo=UTC)                    # 11 June 08:00 in Auckland
    k = campaign(c.ANNIVERSARY)
    v = view(created_at=joined)
    join_run = datetime(2025, 6, 11, 3, 15, tzinfo=UTC)
    assert entry(k, v, join_run - timedelta(days=1), join_run, AUCKLAND) is None
    assert entry(k, v, SINCE, NOW, AUCKLAND) == NOW                   # 11 June 2026, local
    assert entry(k, v, SINCE, NOW, ZONE) is None                      # in UTC it was the 10th
    assert entry(k, v, SINCE - timedelta(days=1), SINCE, ZONE) == SINCE
    assert entry(k, view(created_at=joined, campaigns={"cmp_1": NOW}), SINCE, NOW, AUCKLAND) is None


ZONES = st.sampled_from([ZoneInfo(z) for z in ("UTC", "Pacific/Auckland", "America/Los_Angeles", "Pacific/Kiritimati",
                                               "Pacific/Pago_Pago", "Europe/London")])
BIRTHDAYS = st.dates(date(1950, 1, 1), date(2010, 12, 31)) | st.just(date(2000, 2, 29)) | st.just(date(1990, 12, 31))
STARTS = st.datetimes(datetime(2024, 1, 1), datetime(2025, 12, 31), timezones=st.just(UTC))


def run_nightly(k, birthday, zone, start, gaps):
    """The birthday campaign's entries over runs `gaps` apart from `start`, each run recording its entry."""
    entered: list[datetime] = []
    since = start
    for gap in gaps:
        now = since + gap
        last = {"cmp_1": entered[-1]} if entered else {}
        at = c.entry_time(k, None, view(birthday=birthday, campaigns=last), since, now, zone)
        if at is not None:
            entered.append(at)
        since = now
    return entered


@settings(max_examples=60, deadline=None)
@given(BIRTHDAYS, ZONES, STARTS, st.lists(st.timedeltas(timedelta(hours=1), timedelta(days=4)), max_size=250))
def test_birthday_entries_are_at_most_once_per_local_year_whatever_the_runs(birthday, zone, start, gaps):
    entered = run_nightly(campaign(c.BIRTHDAY), birthday, zone, start, gaps)
    years = [at.astimezone(zone).year for at in entered]
    assert len(years) == len(set(years))


@settings(max_examples=15, deadline=None)
@given(BIRTHDAYS, ZONES, STARTS)
def test_daily_runs_enter_each_birthday_exactly_once(birthday, zone, start):
    entered = run_nightly(campaign(c.BIRTHDAY), birthday, zone, start, [timedelta(days=1)] * (3 * 366))
    first, last = start.astimezone(zone).year + 1, (start + timedelta(days=3 * 366)).astimezone(zone).year - 1
    years = [at.astimezone(zone).year for at in entered]
    assert [y for y in years if first <= y <= last] == list(range(first, last + 1))


# ---------------------------------------------------------------- advance

ENTERED = datetime(2026, 6, 11, 3, 15, tzinfo=UTC)


def journey(steps, **fields) -> c.Campaign:
    found, problems = parse({"name": "Walk", "steps": steps, **fields})
    assert problems == []
    return replace(found, status=c.ACTIVE)


def enrolled(k: c.Campaign, holdout=False, **fields) -> c.Enrollment:
    return replace(c.enter(k, "demo", "m_1", ENTERED), holdout=holdout, **fields)


def walk(k, e, now, **member_fields) -> c.Progress:
    return c.advance(k, e, view(**member_fields), now)


WAIT_2D = {"id": "pause", "type": "wait", "days": 2}
NEXT_DAY_ORDER = {ENTERED.date() + timedelta(days=1): Decimal(1)}


def test_a_wait_that_has_not_ended_is_due_at_its_end():
    k = journey([WAIT_2D, send("hello")])
    p = walk(k, enrolled(k), ENTERED + timedelta(days=1))
    assert (p.enrollment.step, p.enrollment.status, p.actions) == (0, c.WALKING, ())
    assert (p.enrollment.step_since, p.enrollment.due_at) == (ENTERED, ENTERED + timedelta(days=2))


def test_an_ended_wait_goes_on_to_the_next_step():
    k = journey([WAIT_2D, send("hello")])
    p = walk(k, enrolled(k), ENTERED + timedelta(days=2))
    assert p.actions == (c.Action(k.steps[1]),)
    assert (p.enrollment.step, p.enrollment.status, p.enrollment.sent) == (2, c.FINISHED, 1)


def test_consecutive_waits_count_from_the_end_of_the_previous_one():
    k = journey([WAIT_2D, {"id": "more", "type": "wait", "hours": 12}, send("hello")])
    late = ENTERED + timedelta(days=2, hours=3)                      # the job comes by a little late
    p = walk(k, enrolled(k), late)
    assert (p.enrollment.step, p.enrollment.step_since) == (1, ENTERED + timedelta(days=2))
    assert p.enrollment.due_at == ENTERED + timedelta(days=2, hours=12)
    assert walk(k, p.enrollment, ENTERED + timedelta(days=2, hours=12)).enrollment.status == c.FINISHED


def until(event, on_timeout=None, timeout_days=3):
    return {"id": "watch", "type": "wait_until", "event": event, "timeout_days": timeout_days} | \
        ({"on_timeout": on_timeout} if on_timeout else {})


def test_a_click_after_the_step_began_goes_on():
    k = journey([until(c.CLICK), send("next"), send("later")])
    p = walk(k, enrolled(k, clicked_at=ENTERED + timedelta(hours=5)), ENTERED + timedelta(hours=6))
    assert [a.step.id for a in p.actions] == ["next", "later"]
    assert p.enrollment.status == c.FINISHED


def test_one_click_moves_one_wait_on_even_when_the_job_comes_by_within_its_second():
    k = journey([until(c.CLICK), send("next"), {**until(c.CLICK), "id": "again"}, send("last")])
    clicked = ENTERED + timedelta(hours=5, microseconds=40_000)
    p = walk(k, enrolled(k, clicked_at=clicked), ENTERED + timedelta(hours=5))      # the job's time: whole seconds
    assert [a.step.id for a in p.actions] == ["next"]
    assert (p.enrollment.step, p.enrollment.clicked_at) == (2, None)                # the click is used up
    assert walk(k, replace(p.enrollment, clicked_at=clicked + timedelta(hours=1)),
                ENTERED + timedelta(hours=7)).actions[0].step.id == "last"         # a new click moves the next


def test_a_click_before_the_step_began_does_not_count():
    k = journey([until(c.CLICK), send("next")])
    e = enrolled(k, clicked_at=ENTERED - timedelta(hours=1))
    p = walk(k, e, ENTERED + timedelta(days=1))
    assert (p.enrollment.step, p.actions, p.enrollment.due_at) == (0, (), ENTERED + timedelta(days=3))
    assert p.enrollment.step_since == ENTERED


def test_a_timeout_goes_to_the_next_step_or_on_timeouts_target():
    k = journey([until(c.CLICK), send("next"), send("target")])
    p = walk(k, enrolled(k), ENTERED + timedelta(days=3))
    assert [a.step.id for a in p.actions] == ["next", "target"]
    k = journey([until(c.CLICK, on_timeout="target"), send("next"), send("target")])
    p = walk(k, enrolled(k), ENTERED + timedelta(days=3))
    assert [a.step.id for a in p.actions] == ["target"]
    assert p.enrollment.status == c.FINISHED


def test_a_timeout_to_exit_finishes_without_the_later_steps():
    k = journey([until(c.CLICK, on_timeout="exit"), send("next")])
    p = walk(k, enrolled(k), ENTERED + timedelta(days=3))
    assert (p.actions, p.enrollment.step, p.enrollment.due_at) == ((), 2, None)
    assert p.enrollment.finished_at == ENTERED + timedelta(days=3)


def test_wait_until_order_goes_on_after_an_order_since_the_step_began():
    k = journey([until(c.ORDER), send("thanks")], stop_on_order=False)
    e = enrolled(k)
    waiting = walk(k, e, ENTERED + timedelta(days=1), purchase_days={ENTERED.date() - timedelta(days=3): Decimal(9)})
    assert (waiting.enrollment.step, waiting.actions) == (0, ())
    ordered = walk(k, e, ENTERED + timedelta(days=2),
                   purchase_days={ENTERED.date() + timedelta(days=1): Decimal(9)})
    assert [a.step.id for a in ordered.actions] == ["thanks"]


def splitter(then="gold", else_=None):
    return {"id": "check", "type": "split", "match": GOLD, "then": then} | ({"else": else_} if else_ else {})


@pytest.mark.parametrize(("tier", "else_", "sent"), [
    ("gold", "other", ["gold", "other"]),
    ("silver", "other", ["other"]),
    ("silver", None, ["plain", "gold", "other"]),       # null else: the next step
    ("silver", "exit", []),
])
def test_a_split_sends_matching_members_to_then_and_others_to_else(tier, else_, sent):
    k = journey([splitter(else_=else_), send("plain"), send("gold"), send("other")])
    p = walk(k, enrolled(k), ENTERED, tier=tier)
    assert [a.step.id for a in p.actions] == sent
    assert p.enrollment.status == (c.EXITED if else_ == "exit" else c.FINISHED)


def test_send_and_grant_act_for_the_treatment_group():
    k = journey([send("hello"), {"id": "gift", "type": "grant", "offer": {"bonus_points": 100}}])
    p = walk(k, enrolled(k), ENTERED)
    assert [(a.step.id, a.step.type) for a in p.actions] == [("hello", c.SEND), ("gift", c.GRANT)]
    assert (p.enrollment.sent, p.enrollment.status, p.enrollment.reason) == (1, c.FINISHED, "the last step")
    assert (p.enrollment.due_at, p.enrollment.finished_at) == (None, ENTERED)


def test_the_holdout_walks_the_same_steps_without_any_action():
    k = journey([send("hello"), {"id": "gift", "type": "grant", "offer": {"bonus_points": 100}}, WAIT_2D,
                 send("again")])
    treated, held = walk(k, enrolled(k), ENTERED), walk(k, enrolled(k, holdout=True), ENTERED)
    assert (held.actions, held.enrollment.sent) == ((), 0)
    assert len(treated.actions) == 2
    assert replace(held.enrollment, holdout=False, sent=treated.enrollment.sent) == treated.enrollment


def test_an_exit_step_ends_the_walk_there():
    k = journey([send("hello"), {"id": "bye", "type": "exit"}, send("never")])
    p = walk(k, enrolled(k), ENTERED)
    assert [a.step.id for a in p.actions] == ["hello"]
    assert (p.enrollment.status, p.enrollment.reason, p.enrollment.due_at) == (c.EXITED, "exit step bye", None)


def test_an_order_after_entry_stops_the_campaign():
    k = journey([WAIT_2D, send("hello")])
    p = walk(k, enrolled(k), ENTERED + timedelta(days=3), purchase_days=NEXT_DAY_ORDER)
    assert (p.enrollment.status, p.actions, p.enrollment.due_at) == (c.STOPPED_ON_ORDER, (), None)
    assert p.enrollment.finished_at == ENTERED + timedelta(days=3)
    same_day = walk(k, enrolled(k), ENTERED + timedelta(days=3), purchase_days={ENTERED.date(): Decimal(5)},
                    last_activity_at=ENTERED + timedelta(hours=4))
    assert same_day.enrollment.status == c.STOPPED_ON_ORDER


def test_an_order_before_entry_does_not_stop_it():
    k = journey([WAIT_2D, send("hello")])
    p = walk(k, enrolled(k), ENTERED + timedelta(days=3), purchase_days={ENTERED.date(): Decimal(5)},
             last_activity_at=ENTERED - timedelta(hours=2))
    assert p.enrollment.status == c.FINISHED


def test_without_stop_on_order_an_order_changes_nothing():
    k = journey([WAIT_2D, send("hello")], stop_on_order=False)
    p = walk(k, enrolled(k), ENTERED + timedelta(days=3), purchase_days=NEXT_DAY_ORDER)
    assert (p.enrollment.status, len(p.actions)) == (c.FINISHED, 1)


@pytest.mark.parametrize("status", [c.FINISHED, c.STOPPED_ON_ORDER, c.EXITED])
def test_a_finished_enrollment_does_nothing(status):
    k = journey([send("hello")])
    done = enrolled(k, status=status, due_at=ENTERED, finished_at=ENTERED)
    p = walk(k, done, ENTERED + timedelta(days=5), purchase_days=NEXT_DAY_ORDER)
    assert p == c.Progress(replace(done, due_at=None))


def test_an_actions_key_is_stable_and_distinct_per_step():
    k = journey([send("hello"), {"id": "gift", "type": "grant", "offer": {"bonus_points": 100}}])
    e = enrolled(k)
    first, again = walk(k, e, ENTERED), walk(k, e, ENTERED + timedelta(minutes=15))
    keys = [a.key("demo", e) for a in first.actions]
    assert keys == [a.key("demo", e) for a in again.actions]
    assert keys == [a.key("demo", first.enrollment) for a in first.actions]       # walking does not change the ref
    assert len(set(keys)) == 2
    assert keys[0] == f"campaign:demo:{e.ref}:hello"
    assert c.Action(k.steps[0]).key("other", e) != keys[0]
    later = replace(e, entered_at=ENTERED + timedelta(days=200))
    assert c.Action(k.steps[0]).key("demo", later) != keys[0]                      # a re-entry acts again


def test_entering_starts_at_the_first_step_now():
    k = journey([send("hello")], holdout_percent=0)
    e = c.enter(k, "demo", "m_1", ENTERED)
    assert (e.campaign_id, e.member_id, e.entered_at, e.holdout) == ("cmp_1", "m_1", ENTERED, False)
    assert (e.step, e.step_since, e.due_at, e.status) == (0, ENTERED, ENTERED, c.WALKING)


def random_spec(draw, kind, later):
    if kind == c.WAIT:
        return {"days": draw(st.integers(0, 3)), "hours": draw(st.integers(1, 23))}
    if kind == c.WAIT_UNTIL:
        return {"event": draw(st.sampled_from([c.CLICK, c.ORDER])), "timeout_days": draw(st.integers(1, 4)),
                "on_timeout": draw(st.none() | later)}
    if kind == c.SPLIT:
        return {"match": GOLD, "then": draw(later), "else": draw(st.none() | later)}
    if kind == c.SEND:
        return {"subject": "Hi", "blocks": [], "cta": CTA}
    return {"offer": {"bonus_points": 10}} if kind == c.GRANT else {}


@st.composite
def journeys(draw) -> c.Campaign:
    """A valid campaign of random steps, jumps always forward."""
    ids = [f"s{i}" for i in range(draw(st.integers(1, 8)))]
    steps = []
    for i, step_id in enumerate(ids):
        kind = draw(st.sampled_from(c.STEP_TYPES))
        later = st.sampled_from([*ids[i + 1:], c.EXIT_TARGET])
        steps.append({"id": step_id, "type": kind, **random_spec(draw, kind, later)})
    return journey(steps, stop_on_order=draw(st.booleans()))


TICKS = st.lists(st.tuples(st.timedeltas(timedelta(0), timedelta(days=3)), st.booleans(), st.booleans(),
                           st.sampled_from(["gold", "silver"])), max_size=20)


def walk_through(k, holdout, ticks):
    """Every progress of one enrollment through `ticks` of (time passing, a click, an order, the member's tier)."""
    e, now, days = enrolled(k, holdout), ENTERED, {}
    found = []
    for gap, clicked, ordered, tier in ticks:
        now += gap
        if clicked:
            e = replace(e, clicked_at=now)
        if ordered:
            days[now.date()] = Decimal(10)
        p = c.advance(k, e, view(tier=tier, purchase_days=dict(days), last_activity_at=now), now)
        found.append((e, p))
        e = p.enrollment
    return found


@settings(max_examples=200, deadline=None)
@given(journeys(), st.booleans(), TICKS)
def test_advance_never_moves_a_step_backwards_nor_acts_twice_for_a_step(k, holdout, ticks):
    acted = []
    for before, p in walk_through(k, holdout, ticks):
        assert before.step <= p.enrollment.step <= len(k.steps)
        if before.status != c.WALKING:
            assert (p.enrollment.step, p.actions) == (before.step, ())
        indexes = [k.index_of(a.step.id) for a in p.actions]
        assert indexes == sorted(indexes)
        assert all(before.step <= i for i in indexes)
        acted += indexes
    assert len(acted) == len(set(acted))


@settings(max_examples=200, deadline=None)
@given(journeys(), TICKS)
def test_a_held_out_enrollment_never_yields_actions_but_walks_like_the_treatment(k, ticks):
    held, treated = walk_through(k, True, ticks), walk_through(k, False, ticks)
    for (_, h), (_, t) in zip(held, treated, strict=True):
        assert h.actions == ()
        assert h.enrollment.sent == 0
        assert (h.enrollment.step, h.enrollment.status, h.enrollment.due_at) == \
            (t.enrollment.step, t.enrollment.status, t.enrollment.due_at)


# ---------------------------------------------------------------- goal_outcome


def test_the_goal_counts_purchase_days_inside_the_window():
    m = member(purchase_days={date(2026, 6, 1): Decimal("99.00"),           # before entry
                              date(2026, 6, 12): Decimal("30.00"), date(2026, 6, 25): Decimal("20.50"),  # inside
                              date(2026, 6, 26): Decimal("70.00")},         # a day after the window
               last_activity_at=datetime(2026, 6, 26, 10, tzinfo=UTC))
    found = c.goal_outcome(m, ENTERED, 14, datetime(2026, 7, 30, tzinfo=UTC))
    assert found == c.Outcome(converted=True, orders=2, revenue=Decimal("50.50"))


def test_the_goal_window_ends_at_now():
    m = member(purchase_days={date(2026, 6, 12): Decimal("30.00"), date(2026, 6, 20): Decimal("20.00")})
    assert c.goal_outcome(m, ENTERED, 14, datetime(2026, 6, 19, 23, tzinfo=UTC)) == c.Outcome(True, 1, Decimal(30))
    assert c.goal_outcome(m, ENTERED, 14, datetime(2026, 6, 11, 23, tzinfo=UTC)) == c.Outcome(False, 0, Decimal(0))


def test_no_order_and_no_member_are_no_conversion():
    assert c.goal_outcome(member(), ENTERED, 14, NOW) == c.Outcome(False, 0, Decimal(0))
    assert c.goal_outcome(None, ENTERED, 14, NOW) == c.Outcome(False, 0, Decimal(0))


def test_an_order_on_the_entry_day_counts_only_after_entry():
    after = member(purchase_days={ENTERED.date(): Decimal(15)}, last_activity_at=ENTERED + timedelta(hours=5))
    before = member(purchase_days={ENTERED.date(): Decimal(15)}, last_activity_at=ENTERED - timedelta(hours=2))
    later = datetime(2026, 7, 30, tzinfo=UTC)
    assert c.goal_outcome(after, ENTERED, 14, later) == c.Outcome(True, 1, Decimal(15))
    assert c.goal_outcome(before, ENTERED, 14, later) == c.Outcome(False, 0, Decimal(0))


def test_an_order_on_the_entry_day_before_entry_does_not_count_when_the_member_ordered_again():
    # Ordered at 01:00 on the entry day (before the 03:15 entry), then again two days later.
    m = member(purchase_days={ENTERED.date(): Decimal(50), date(2026, 6, 13): Decimal(30)},
               last_activity_at=datetime(2026, 6, 13, 9, tzinfo=UTC))
    assert c.goal_outcome(m, ENTERED, 14, datetime(2026, 7, 30, tzinfo=UTC)) == c.Outcome(True, 1, Decimal(30))


# ---------------------------------------------------------------- holdout and refs

MEMBERS = [f"m_{i:024x}" for i in range(10_000)]


def test_about_the_holdout_share_of_members_is_held_out_stably_and_per_campaign():
    first, second = campaign(holdout_percent=10), replace(campaign(holdout_percent=10), campaign_id="cmp_2")
    held = {m for m in MEMBERS if c.is_held_out("demo", m, first)}
    other = {m for m in MEMBERS if c.is_held_out("demo", m, second)}
    assert 850 <= len(held) <= 1150
    assert 850 <= len(other) <= 1150
    assert held == {m for m in MEMBERS if c.is_held_out("demo", m, first)}
    assert len(held & other) < len(held) / 2
    assert 4500 <= sum(c.is_held_out("demo", m, campaign(holdout_percent=50)) for m in MEMBERS) <= 5500
    assert not any(c.is_held_out("demo", m, campaign(holdout_percent=0)) for m in MEMBERS)


def test_entering_holds_out_the_members_is_held_out_names():
    k = campaign(holdout_percent=30)
    assert all(c.enter(k, "demo", m, NOW).holdout == c.is_held_out("demo", m, k) for m in MEMBERS[:500])


def test_an_enrollment_ref_names_the_campaign_member_and_entry():
    e = c.enter(campaign(), "demo", "m_1", NOW)
    assert e.ref == "cmp_1/m_1/" + str(int(NOW.timestamp()) * 1_000_000)
    assert c.parse_ref(e.ref) == ("cmp_1", "m_1", NOW)


@example(datetime(2039, 6, 11, 11, 0, 1, 887046, tzinfo=UTC))
@example(datetime(2005, 5, 28, 22, 2, 32, 35879, tzinfo=UTC))
@given(st.datetimes(datetime(1970, 1, 2), datetime(2200, 1, 1), timezones=ZONES))
def test_a_ref_round_trips_to_the_same_instant(entered_at):
    found = c.parse_ref(c.enrollment_ref("cmp_1", "m_1", entered_at))
    assert found is not None
    assert found[:2] == ("cmp_1", "m_1")
    assert found[2] - entered_at == timedelta(0)          # the same instant (== is False for times in a DST fold)


@pytest.mark.parametrize("ref", ["cmp_1/m_1", "cmp_1/m_1/12/3", "cmp_1/m_1/abc", "cmp_1/m_1/-5", "cmp_1/m_1/",
                                 "cmp_1/m_1/1.5", ""])
def test_a_malformed_ref_is_none(ref):
    assert c.parse_ref(ref) is None


@pytest.mark.parametrize("ref", ["cmp_1/m_1/²", "cmp_1/m_1/" + "9" * 30])
def test_a_ref_with_odd_digits_is_none_not_an_error(ref):
    assert c.parse_ref(ref) is None
