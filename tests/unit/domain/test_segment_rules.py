"""Merchant-defined segments: each field and op on hand-checked members, nulls, and the bounds of a predicate."""
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from chalicelib.domain.journey import Journey, Prediction, Rfm
from chalicelib.domain.ledger import Member
from chalicelib.domain.segment_rules import (
    FIELD_WANTED,
    NAME,
    MemberView,
    hubspot_properties,
    matches,
    predicate_problems,
    unsynced_problems,
)

NOW = datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
CREATED = datetime(2025, 1, 1, tzinfo=UTC)


def member(days=None, **fields):
    return Member(member_id="m_1", program_id="demo", email=None, first_name=None, points_balance=0,
                  pending_points=0, lifetime_points=0, tier=fields.pop("tier", "member"), identities=(),
                  created_at=CREATED, updated_at=CREATED, purchase_days=days or {}, **fields)


# Two purchase days (20.00 + 35.50), the last 10 days before NOW; a later day that NOW does not count yet.
ORDERED = member({date(2026, 1, 5): Decimal("20.00"), date(2026, 6, 20): Decimal("35.50"),
                  date(2026, 7, 2): Decimal("99")},
                 tier="gold", email_consent="subscribed", birthday=date(1990, 3, 14),
                 tags_bought=frozenset({"vinyl", "Jazz "}),
                 journey=Journey("repeat", CREATED, "at_risk", CREATED), rfm=Rfm(4, 2, 3, "need_attention"),
                 prediction=Prediction(0.6512, 1.2, Decimal("88.40"), None))
PROSPECT = member()


def condition(field, op, value=...):
    return {"field": field, "op": op} | ({} if value is ... else {"value": value})


@pytest.mark.parametrize(("field", "op", "value", "ordered", "prospect"), [
    ("stage", "eq", "repeat", True, False),
    ("stage", "ne", "repeat", False, True),
    ("stage", "in", ["prospect", "loyal"], False, True),
    ("state", "eq", None, False, True),                   # null is a state's value: a prospect's
    ("state", "in", ["at_risk", "lapsed"], True, False),
    ("state", "ne", None, True, False),
    ("state", "exists", ..., True, False),
    ("rfm_segment", "eq", "need_attention", True, False),
    ("rfm_segment", "ne", "champions", True, False),      # a null matches no comparison, not even ne
    ("rfm_segment", "not_exists", ..., False, True),
    ("rfm_recency", "gte", 4, True, False),
    ("rfm_frequency", "lt", 3, True, False),
    ("rfm_monetary", "between", [3, 5], True, False),
    ("rfm_monetary", "gt", 3, False, False),
    ("tier", "eq", "gold", True, False),
    ("tier", "in", ["member", "silver"], False, True),
    ("orders", "eq", 2, True, False),                     # the day after NOW does not count
    ("orders", "lte", 0, False, True),
    ("spend", "gte", "55.50", True, False),
    ("spend", "gt", "55.5", False, False),
    ("spend", "eq", "0", False, True),
    ("last_order_days_ago", "eq", 10, True, False),
    ("last_order_days_ago", "gte", 0, True, False),       # no purchase day: never matches a comparison
    ("last_order_days_ago", "not_exists", ..., False, True),
    ("predicted_clv", "between", ["80", "90.00"], True, False),
    ("p_alive", "lt", "0.6513", True, False),
    ("p_alive", "lte", "0.6512", True, False),
    ("p_alive", "exists", ..., True, False),
    ("email_consent", "eq", "subscribed", True, False),
    ("email_consent", "in", ["unsubscribed", "not_subscribed"], False, False),
    ("email_consent", "not_exists", ..., False, True),
    ("birthday_month", "eq", 3, True, False),
    ("birthday_month", "in", [1, 2], False, False),
    ("product_tags", "contains", "jazz", True, False),     # compared without case and surrounding space
    ("product_tags", "contains", "rock", False, False),
    ("product_tags", "in", ["rock", "VINYL"], True, False),
])
def test_each_field_and_op_on_hand_checked_members(field, op, value, ordered, prospect):
    predicate = condition(field, op, value)
    assert predicate_problems(predicate) == []
    assert (matches(predicate, ORDERED, NOW), matches(predicate, PROSPECT, NOW)) == (ordered, prospect)


def test_all_any_and_not_combine_conditions():
    predicate = {"all": [condition("stage", "eq", "repeat"),
                         {"any": [condition("spend", "gt", "1000"), condition("rfm_recency", "eq", 4)]},
                         {"not": condition("email_consent", "eq", "unsubscribed")}]}
    assert predicate_problems(predicate) == []
    assert matches(predicate, ORDERED, NOW)
    assert not matches({"not": predicate}, ORDERED, NOW)


def test_a_view_judges_the_member_as_a_run_just_did():
    view = MemberView(PROSPECT, Journey("loyal", CREATED, "active", CREATED), Rfm(5, 5, 5, "champions"), None)
    assert matches({"all": [condition("stage", "eq", "loyal"), condition("rfm_segment", "eq", "champions")]},
                   view, NOW)
    assert not matches(condition("stage", "eq", "loyal"), PROSPECT, NOW)


def test_time_is_the_callers():
    assert matches(condition("orders", "eq", 3), ORDERED, datetime(2026, 7, 2, tzinfo=UTC))
    assert matches(condition("last_order_days_ago", "eq", 0), ORDERED, datetime(2026, 7, 2, 23, tzinfo=UTC))


@pytest.mark.parametrize(("predicate", "problems"), [
    ({"field": "rfm_recency", "op": "eq", "value": 6}, ["match.value: an integer from 1 to 5"]),
    ({"field": "rfm_recency", "op": "eq", "value": True}, ["match.value: an integer from 1 to 5"]),
    ({"field": "stage", "op": "lt", "value": "repeat"}, ["match.op: for stage, one of eq, ne, in"]),
    ({"field": "stage", "op": "exists"}, ["match.op: for stage, one of eq, ne, in"]),
    ({"field": "hubspot_lifecycle", "op": "eq", "value": "x"}, [f"match.field: {FIELD_WANTED}"]),
    ({"field": "spend", "op": "gte", "value": 100}, ["match.value: a decimal string from 0 to 100000000 with at "
                                                     "most 2 decimals"]),
    ({"field": "spend", "op": "gte", "value": "1e3"}, ["match.value: a decimal string from 0 to 100000000 with at "
                                                       "most 2 decimals"]),
    ({"field": "p_alive", "op": "gt", "value": "1.5"}, ["match.value: a decimal string from 0 to 1 with at most 4 "
                                                        "decimals"]),
    ({"field": "stage", "op": "eq", "value": None}, ["match.value: one of prospect, first_time, repeat, loyal"]),
    ({"field": "state", "op": "exists", "value": None}, ["match.value: exists takes no value"]),
    ({"field": "orders", "op": "gt"}, ["match.value: an integer from 0 to 100,000"]),
    ({"field": "orders", "op": "between", "value": [5, 2]},
     ["match.value: [low, high], each an integer from 0 to 100,000, low at most high"]),
    ({"field": "tier", "op": "in", "value": []}, ["match.value: a list of 1 to 50 values, each a string of 1 to "
                                                  "100 characters"]),
    ({"field": "birthday_month", "op": "ne", "value": 3}, ["match.op: for birthday_month, one of eq, in, exists, "
                                                           "not_exists"]),
    ({"field": "tier", "op": "eq", "value": "gold", "and": 1}, ["match.and: unknown field"]),
    ({"all": []}, ["match.all: a list of 1 to 50 predicates"]),
    ({"any": [{"field": "stage"}, "x"]}, ["match.any[0].op: for stage, one of eq, ne, in",
                                          'match.any[1]: one of {"all": [...]}, {"any": [...]}, {"not": ...} or a '
                                          'condition {"field", "op", "value"}']),
    ({"all": [], "any": []}, ['match: one of {"all": [...]}, {"any": [...]}, {"not": ...} or a condition '
                              '{"field", "op", "value"}']),
    ({"field": ["stage"], "op": "eq"}, [f"match.field: {FIELD_WANTED}"]),
])
def test_a_bad_predicate_names_each_problem_where_it_is(predicate, problems):
    assert predicate_problems(predicate) == problems


def test_predicates_are_bounded_in_depth_and_size():
    leaf = condition("stage", "eq", "loyal")
    four = {"not": {"all": [{"any": [{"not": leaf}]}]}}
    assert predicate_problems(four) == []
    assert predicate_problems({"not": four}) == ["match.not.not.all[0].any[0]: all, any and not nest at most 4 "
                                                 "deep"]
    assert predicate_problems({"any": [leaf] * 50}) == []
    assert predicate_problems({"any": [{"all": [leaf] * 26}, {"all": [leaf] * 25}]}) == [
        "match: at most 50 conditions (this has 51)"]


@pytest.mark.parametrize(("name", "ok"), [("vip", True), ("big-spenders_2", True), ("a" * 64, True),
                                          ("a" * 65, False), ("VIP", False), ("-vip", False), ("", False),
                                          ("stage", False), ("stage-loyal", False), ("rfm_x", False),
                                          ("custom-1", False), ("stagecoach", True), ("vip:1", False)])
def test_names_are_lowercase_slugs_apart_from_the_built_in_kinds(name, ok):
    assert bool(NAME.fullmatch(name)) is ok


# HubSpot contact properties synced onto members: an enumeration, a multiple checkbox, and one cleared (absent).
SYNCED = member(hubspot_properties={"lifecyclestage": "customer", "interests": "vinyl;jazz;cd_box_sets"},
                hubspot_properties_at={"lifecyclestage": NOW, "interests": NOW, "favourite_shop": NOW})


@pytest.mark.parametrize(("field", "op", "value", "synced", "prospect"), [
    ("hubspot:lifecyclestage", "eq", "customer", True, False),
    ("hubspot:lifecyclestage", "eq", "Customer", False, False),        # internal values, compared exactly
    ("hubspot:lifecyclestage", "ne", "lead", True, False),             # no value: no comparison holds, not even ne
    ("hubspot:lifecyclestage", "in", ["lead", "customer"], True, False),
    ("hubspot:lifecyclestage", "exists", ..., True, False),
    ("hubspot:lifecyclestage", "not_exists", ..., False, True),
    ("hubspot:interests", "contains", "jazz", True, False),            # one of the ;-separated values
    ("hubspot:interests", "contains", "vinyl;jazz", False, False),
    ("hubspot:interests", "contains", "jaz", False, False),
    ("hubspot:interests", "eq", "vinyl;jazz;cd_box_sets", True, False),
    ("hubspot:interests", "in", ["jazz"], False, False),               # in: the whole value
    ("hubspot:lifecyclestage", "contains", "customer", True, False),   # a single value is a list of one
    ("hubspot:favourite_shop", "exists", ..., False, False),           # cleared: absent
    ("hubspot:favourite_shop", "not_exists", ..., True, True),
])
def test_hubspot_property_fields_on_hand_checked_members(field, op, value, synced, prospect):
    predicate = condition(field, op, value)
    assert predicate_problems(predicate) == []
    assert (matches(predicate, SYNCED, NOW), matches(predicate, PROSPECT, NOW)) == (synced, prospect)


def test_hubspot_property_fields_combine_with_the_others():
    predicate = {"all": [condition("hubspot:lifecyclestage", "eq", "customer"),
                         {"not": condition("hubspot:interests", "contains", "rock")},
                         condition("stage", "eq", "prospect")]}
    assert predicate_problems(predicate) == []
    assert matches(predicate, SYNCED, NOW)
    assert not matches(predicate, PROSPECT, NOW)


@pytest.mark.parametrize(("predicate", "problems"), [
    ({"field": "hubspot:Lifecycle", "op": "eq", "value": "x"},
     ["match.field: hubspot: then a HubSpot contact property's internal name: 1 to 100 of a-z, 0-9 and _"]),
    ({"field": "hubspot:", "op": "eq", "value": "x"},
     ["match.field: hubspot: then a HubSpot contact property's internal name: 1 to 100 of a-z, 0-9 and _"]),
    ({"field": "hubspot:" + "a" * 101, "op": "exists"},
     ["match.field: hubspot: then a HubSpot contact property's internal name: 1 to 100 of a-z, 0-9 and _"]),
    ({"field": "hubspot:lifecyclestage", "op": "gt", "value": "lead"},
     ["match.op: for hubspot:lifecyclestage, one of eq, ne, in, contains, exists, not_exists"]),
    ({"field": "hubspot:lifecyclestage", "op": "eq", "value": ""},
     ["match.value: a string of 1 to 1,000 characters (compared exactly)"]),
    ({"field": "hubspot:lifecyclestage", "op": "eq", "value": 3},
     ["match.value: a string of 1 to 1,000 characters (compared exactly)"]),
    ({"field": "hubspot:notes", "op": "eq", "value": "x" * 1001},
     ["match.value: a string of 1 to 1,000 characters (compared exactly)"]),
    ({"field": "hubspot:lifecyclestage", "op": "in", "value": "lead"},
     ["match.value: a list of 1 to 50 values, each a string of 1 to 1,000 characters (compared exactly)"]),
    ({"field": "hubspot:lifecyclestage", "op": "not_exists", "value": "lead"},
     ["match.value: not_exists takes no value"]),
])
def test_a_bad_hubspot_property_condition_names_its_problem(predicate, problems):
    assert predicate_problems(predicate) == problems


def test_the_hubspot_properties_a_predicate_names_are_found_where_they_are():
    predicate = {"any": [condition("hubspot:lifecyclestage", "eq", "lead"),
                         {"not": {"all": [condition("stage", "eq", "repeat"),
                                          condition("hubspot:interests", "exists")]}}]}
    assert hubspot_properties(predicate) == [("match.any[0]", "lifecyclestage"),
                                             ("match.any[1].not.all[1]", "interests")]
    assert unsynced_problems(predicate, ("lifecyclestage", "interests")) == []
    assert unsynced_problems(predicate, ("lifecyclestage",)) == [
        "match.any[1].not.all[1].field: hubspot:interests is not a HubSpot property this program syncs; "
        "synced: lifecyclestage"]
    assert unsynced_problems(condition("hubspot:x", "exists"), ()) == [
        "match.field: hubspot:x is not a HubSpot property this program syncs; synced: none (program config "
        "hubspot_synced_properties)"]
