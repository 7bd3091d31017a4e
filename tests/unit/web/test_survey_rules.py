"""The rules document's `surveys` section: optional, every field with its default, each field checked on its own."""
from datetime import UTC, datetime

import pytest

from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.program import DEFAULT_RULES
from chalicelib.domain.rules_codec import rules_from_json, rules_to_json
from chalicelib.domain.surveys import SurveyRules
from chalicelib.web.rules_input import read_rules

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def document(**surveys):
    body = {k: v for k, v in rules_to_json(DEFAULT_RULES).items() if k not in ("version", "effective_from")}
    return {**body, "surveys": surveys}


def test_the_defaults_are_shown_and_a_document_without_the_section_has_them():
    assert rules_to_json(DEFAULT_RULES)["surveys"] == {
        "nps_after_delivery_days": 7, "nps_after_orders": None, "nps_on_stages": [], "csat_on_ticket_closed": True,
        "throttle_days": 90, "token_days": 30}
    stored = {k: v for k, v in rules_to_json(DEFAULT_RULES).items() if k != "surveys"}    # stored before surveys
    assert rules_from_json(stored).surveys == SurveyRules()
    assert read_rules(document(), NOW).surveys == SurveyRules()
    assert read_rules(document(throttle_days=30), NOW).surveys == SurveyRules(throttle_days=30)


def test_settings_round_trip_through_the_document():
    chosen = SurveyRules(nps_after_delivery_days=None, nps_after_orders=3, nps_on_stages=("repeat", "loyal"),
                         csat_on_ticket_closed=False, throttle_days=180, token_days=14)
    rules = read_rules(document(**rules_to_json(DEFAULT_RULES)["surveys"] | {
        "nps_after_delivery_days": None, "nps_after_orders": 3, "nps_on_stages": ["repeat", "loyal"],
        "csat_on_ticket_closed": False, "throttle_days": 180, "token_days": 14}), NOW)
    assert rules.surveys == chosen
    assert rules_from_json(rules_to_json(rules)).surveys == chosen


def test_each_bad_field_is_named_with_what_it_takes():
    with pytest.raises(InvalidRequest) as refused:
        read_rules(document(nps_after_delivery_days=91, nps_after_orders=0, nps_on_stages=["prospect"],
                            csat_on_ticket_closed="yes", throttle_days=0, token_days=366, ask_everyone=True), NOW)
    assert refused.value.code == "invalid_rules"
    assert refused.value.message.split("; ") == [
        "surveys.ask_everyone: unknown field",
        "surveys.nps_after_delivery_days: an integer from 0 to 90, or null for none is required",
        "surveys.nps_after_orders: an integer from 1 to 100, or null for none is required",
        "surveys.nps_on_stages: a list of the journey stages whose entry brings a survey: first_time, repeat, loyal "
        "is required",
        "surveys.csat_on_ticket_closed: a valid value is required",
        "surveys.throttle_days: an integer from 1 to 730 is required",
        "surveys.token_days: an integer from 1 to 365 is required"]


def test_the_domain_refuses_a_stage_nobody_enters():
    with pytest.raises(ValueError, match="nps_on_stages must name stages among first_time, repeat, loyal"):
        SurveyRules(nps_on_stages=("prospect",))
