from datetime import UTC, datetime

import pytest

from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.program import DEFAULT_RULES
from chalicelib.domain.rules_codec import rules_from_json, rules_to_json
from chalicelib.web.rules_input import read_rules


def test_rules_survive_a_round_trip_through_json():
    assert rules_from_json(rules_to_json(DEFAULT_RULES)) == DEFAULT_RULES


@pytest.mark.parametrize(("change", "field"), [
    ({"points_per_unit": "-1"}, "points_per_unit"), ({"points_per_unit": 1.5}, "points_per_unit"),
    ({"rounding": "sideways"}, "rounding"), ({"hold_days": -1}, "hold_days"), ({"hold_days": "3"}, "hold_days"),
    ({"negative_balance": "maybe"}, "negative_balance"), ({"signup_bonus": 2.5}, "signup_bonus"),
    ({"expiry": {"policy": "lots", "months": 0}}, "expiry.months"), ({"version": ""}, "version"),
    ({"effective_from": "2026-01-01T00:00:00"}, "effective_from"),
    ({"tiers": [{"name": "gold", "threshold": "100", "multiplier": "2"}]}, "tiers"),
    ({"campaigns": [{"name": "x", "starts_at": "2026-02-01T00:00:00Z", "ends_at": "2026-01-01T00:00:00Z",
                     "multiplier": "2"}]}, "campaigns[0].ends_at"),
])
def test_invalid_rules_are_refused_naming_the_field(change, field):
    data = {**rules_to_json(DEFAULT_RULES), **change}
    with pytest.raises(InvalidRequest) as refused:
        read_rules(data, datetime(2026, 11, 23, tzinfo=UTC))
    assert refused.value.code == "invalid_rules"
    assert field in refused.value.message
