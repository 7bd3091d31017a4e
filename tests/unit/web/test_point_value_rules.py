"""The rules document's `point_value`: what one point is worth in the shop's currency (offers are valued with it).
Optional (0.01 by default), a decimal string above 0 and at most 1000 with at most 4 decimal places."""
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.program import DEFAULT_RULES
from chalicelib.domain.rules_codec import rules_from_json, rules_to_json
from chalicelib.web.rules_input import read_rules

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
WHAT = ("point_value: a decimal string above 0 and at most 1000 with at most 4 decimal places: what one point is "
        "worth in the shop's currency, e.g. 0.01 is required")


def document(**change):
    body = {k: v for k, v in rules_to_json(DEFAULT_RULES).items() if k not in ("version", "effective_from")}
    return {**body, **change}


def test_a_point_is_worth_a_cent_by_default_also_in_rules_stored_before_it_existed():
    assert DEFAULT_RULES.point_value == Decimal("0.01")
    assert rules_to_json(DEFAULT_RULES)["point_value"] == "0.01"
    stored = {k: v for k, v in rules_to_json(DEFAULT_RULES).items() if k != "point_value"}
    assert rules_from_json(stored).point_value == Decimal("0.01")
    without = {k: v for k, v in document().items() if k != "point_value"}
    assert read_rules(without, NOW).point_value == Decimal("0.01")


@pytest.mark.parametrize("value", ["0.0125", "1", "999.9999", "1000", "1000.0000", "0.0001", "12.5"])
def test_a_point_value_round_trips_through_the_document(value):
    rules = read_rules(document(point_value=value), NOW)
    assert rules.point_value == Decimal(value)
    assert rules_from_json(rules_to_json(rules)).point_value == Decimal(value)
    assert Decimal(rules_to_json(rules)["point_value"]) == Decimal(value)


@pytest.mark.parametrize(("value", "problem"), [
    ("0", "point_value: a decimal above 0 is required"),
    ("0.0000", "point_value: a decimal above 0 is required"),
    ("0.00001", WHAT),
    ("1000.01", WHAT),
    ("1001", WHAT),
    ("-1", WHAT),
    ("1e-2", WHAT),
    (".5", WHAT),
    ("", WHAT),
    (0.01, WHAT),
    (1, WHAT),
    (None, WHAT),
])
def test_a_bad_point_value_is_refused_naming_the_field(value, problem):
    with pytest.raises(InvalidRequest) as refused:
        read_rules(document(point_value=value), NOW)
    assert refused.value.code == "invalid_rules"
    assert refused.value.message == problem
