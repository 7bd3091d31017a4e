"""Rules bodies are read field by field through their shape, then the rules across fields: one 400 lists all."""
from datetime import UTC, datetime

import pytest

from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.program import DEFAULT_RULES
from chalicelib.domain.rules_codec import rules_to_json
from chalicelib.web.rules_input import read_dry_run, read_rules

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def refusal(body, read=read_rules):
    with pytest.raises(InvalidRequest) as refused:
        read(body, NOW)
    return refused.value.code, refused.value.message.split("; ")


def rules(**changes):
    return {**rules_to_json(DEFAULT_RULES), **changes}


def test_a_rule_across_fields_is_listed_beside_the_fields_that_break_their_shape():
    code, problems = refusal(rules(hold_days=-1, tiers=[{"name": "gold", "threshold": "5", "multiplier": "2"}]))
    assert code == "invalid_rules"
    assert problems == ["hold_days: an integer from 0 to 365 is required",
                        "tiers: the lowest tier must have threshold 0"]


def test_a_field_with_a_problem_of_its_own_is_named_once():
    campaign = {"name": "c", "starts_at": "not a time", "ends_at": "2026-01-01T00:00:00Z", "multiplier": 101}
    _, problems = refusal(rules(campaigns=[campaign]))
    assert problems == ["campaigns[0].multiplier: a decimal (a string of digits, or an integer) from 0 to 100 with "
                        "at most 6 decimal places is required",
                        "campaigns[0].starts_at: an ISO-8601 time with an offset is required"]


@pytest.mark.parametrize("value", ["0", "1000", "1000.000000", "999.999999", "0007", ".5", "5.", 0, 1000])
def test_a_decimal_within_its_bound_and_places_is_taken(value):
    assert read_rules(rules(points_per_unit=value), NOW).earning.points_per_unit <= 1000


@pytest.mark.parametrize("value", ["1000.0000001", "1000.5", "1001", "0.0000001", "-1", "", ".", "1e2", " 1", "NaN",
                                   "١", 1001, -1, 1.5, True, None])
def test_a_decimal_beyond_its_bound_or_places_or_not_in_digits_is_refused(value):
    assert refusal(rules(points_per_unit=value))[1][0].startswith("points_per_unit: a decimal")


def test_a_name_and_time_left_out_or_null_are_a_name_after_now_and_now():
    read = read_rules(rules(version=None, effective_from=None), NOW)
    assert (read.version, read.effective_from) == ("v-20261123T120000Z", NOW)


def test_a_dry_run_names_the_request_around_the_rules_before_the_rules():
    request = {"rules": rules(colour="x"), "from": "2026-11-02T00:00:00Z", "to": "2026-11-01T00:00:00Z", "x": 1}
    assert refusal(request, read_dry_run) == ("invalid_body", ["x: unknown field",
                                                               "to: must be after from, at most 366 days later"])
    request = {"rules": rules(colour="x"), "from": "2026-11-02T00:00:00Z", "to": "2026-11-03T00:00:00Z"}
    assert refusal(request, read_dry_run) == ("invalid_rules", ["colour: unknown field"])


def test_a_tag_that_lower_case_makes_too_long_is_refused_and_one_that_fits_is_kept_in_lower_case():
    reviews = rules_to_json(DEFAULT_RULES)["reviews"]
    long_tag, long_override = "İ" * 255, "İ" * 64               # "İ".lower() is two characters
    code, problems = refusal(rules(excluded_product_tags=[long_tag],
                                   reviews={**reviews, "overrides": [{"tag": long_override, "days": 3}]}))
    assert code == "invalid_rules"
    assert problems == ["excluded_product_tags[0]: at most 255 characters in lower case",
                        "reviews.overrides[0].tag: at most 64 characters in lower case"]
    fits = read_rules(rules(excluded_product_tags=["  Final SALE "]), NOW)
    assert fits.earning.excluded_product_tags == frozenset({"final sale"})
