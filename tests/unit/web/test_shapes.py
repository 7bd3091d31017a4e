"""Request shapes refuse with every problem at once, each as `<field>: <what is required>`, in the route's code."""
import pytest

from chalicelib.domain.errors import InvalidRequest
from chalicelib.web.shapes.reading import read
from chalicelib.web.shapes.requests import Adjustment, NewReward, Review


def refusal(body, shape, code="invalid_thing"):
    with pytest.raises(InvalidRequest) as refused:
        read(body, shape, code)
    return refused.value


def test_a_valid_body_becomes_its_shape_with_text_trimmed():
    asked = read({"points": -5, "reason": "  goodwill ", "idempotency_key": "k"}, Adjustment, "invalid_adjustment")
    assert (asked.points, asked.reason, asked.idempotency_key) == (-5, "goodwill", "k")


def test_every_problem_is_listed_unknown_fields_first_in_the_routes_code():
    refused = refusal({"points": 1.5, "reason": "", "colour": "x"}, Adjustment, "invalid_adjustment")
    assert refused.code == "invalid_adjustment"
    assert refused.message == ("colour: unknown field; "
                               "points: a non-zero integer from -10,000,000 to 10,000,000 is required; "
                               "reason: a string of 1 to 500 characters is required; "
                               "idempotency_key: a string of 1 to 255 characters is required")


@pytest.mark.parametrize(("body", "message"), [
    ({"points": 0, "reason": "x", "idempotency_key": "k"}, "points: a non-zero integer"),
    ({"points": True, "reason": "x", "idempotency_key": "k"}, "points: a non-zero integer"),
    ({"points": 1, "reason": "   ", "idempotency_key": "k"}, "reason: a string of 1 to 500"),
])
def test_rules_the_types_alone_do_not_say_are_refused_naming_the_field(body, message):
    assert refusal(body, Adjustment).message.startswith(message)


def test_a_rule_across_fields_names_the_field():
    body = {"name": "Free", "kind": "free_shipping", "value": "5", "points_cost": 10}
    assert refusal(body, NewReward).message == "value: free shipping takes no value"
    body = {"name": "Half", "kind": "percentage", "value": "100.5", "points_cost": 10}
    assert refusal(body, NewReward).message.startswith("value: a percentage above 0 and at most 100")


@pytest.mark.parametrize("order_id", ["12\n", "１２", "", "1" * 21])
def test_a_pattern_must_match_the_whole_text(order_id):
    assert refusal({"order_id": order_id}, Review).message.startswith("order_id: the Shopify order id")


@pytest.mark.parametrize("body", [None, [], "x", 3])
def test_a_body_that_is_not_an_object_is_invalid_body(body):
    assert refusal(body, Adjustment).code == "invalid_body"
