"""Segment bodies are read field by field through their shape, then the predicate across fields: one 400 lists all."""
from datetime import UTC, datetime

import msgspec
import pytest

from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.segment_rules import NAME_WANTED
from chalicelib.services.segments import Preview
from chalicelib.web.journey_wire import custom_segment_body
from chalicelib.web.shapes.segments import read_segment

NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)


def refusal(body):
    with pytest.raises(InvalidRequest) as refused:
        read_segment(body)
    return refused.value.code, refused.value.message.split("; ")


def test_every_problem_of_the_body_and_its_predicate_is_named_at_once():
    code, problems = refusal({"name": "Big Spenders", "description": 5, "colour": "red", "match": {"all": [
        {"field": "spend", "op": "gte", "value": "100.00"},
        {"field": "orders", "op": "gte", "value": "2"},
        {"field": "rfm_recency", "op": "eq", "value": 9},
        {"field": "hubspot_lifecyclestage", "op": "eq", "value": "lead"}]}})
    assert code == "invalid_segment"
    assert problems == ["colour: unknown field",
                        f"name: {NAME_WANTED} is required",
                        "description: a string of at most 500 characters is required",
                        "match.all[1].value: an integer from 0 to 100,000",
                        "match.all[2].value: an integer from 1 to 5",
                        "match.all[3].field: one of stage, state, rfm_segment, rfm_recency, rfm_frequency, "
                        "rfm_monetary, tier, orders, spend, last_order_days_ago, predicted_clv, p_alive, "
                        "email_consent, birthday_month, product_tags, or hubspot:<property> with a synced "
                        "HubSpot contact property's internal name"]


def test_a_missing_or_shapeless_match_is_named_once():
    assert refusal({"name": "vip"})[1] == ['match: a predicate: one of {"all": [...]}, {"any": [...]}, {"not": ...} '
                                           'or a condition {"field", "op", "value"} is required']
    assert len(refusal({"name": "vip", "match": [1]})[1]) == 1


def test_a_body_that_is_not_an_object_is_refused():
    with pytest.raises(InvalidRequest) as refused:
        read_segment([])
    assert refused.value.code == "invalid_body"


def test_a_good_body_becomes_a_definition_and_its_answer():
    asked = read_segment({"name": "vip", "match": {"field": "tier", "op": "eq", "value": "gold"}})
    definition = asked.definition(NOW, "k_1")
    assert (definition.name, definition.description, definition.created_by) == ("vip", None, "k_1")
    exact = msgspec.to_builtins(custom_segment_body(definition, Preview(3, 10, True)))
    assert exact == {"name": "vip", "kind": "custom", "description": None, "match": asked.match,
                     "created_at": NOW.isoformat(), "preview": {"members": 3, "sampled": 10, "exact": True}}
    sampled = msgspec.to_builtins(custom_segment_body(definition, Preview(3, 10, False)))
    assert sampled["preview"] == {"members": 3, "sampled": 10, "exact": False, "estimated_members": None}
