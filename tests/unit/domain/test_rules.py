from dataclasses import replace
from decimal import Decimal

import pytest

from chalicelib.adapters.shopify_events import load_json, parse_order
from chalicelib.domain.money import Money
from chalicelib.domain.rules import DEFAULT_RULE, EarningRule, award_for
from tests.factories import SHOP, body_of, make_order


def order(**changes):
    return parse_order(SHOP, load_json(body_of(make_order(**changes))))


def line(price, quantity=1, discount="0.00", tax="0.00", gift_card=False, line_id=1):
    return {"id": line_id, "product_id": 9, "quantity": quantity, "price": price, "gift_card": gift_card,
            "discount_allocations": [{"amount": discount}], "tax_lines": [{"price": tax}]}


def test_default_rule_is_one_point_per_whole_unit_of_merchandise_after_discounts():
    award = award_for(order(), DEFAULT_RULE)
    # 2x60 - 12 + 9.99 - 1 + 3x12.50 - 3.75 = 150.74 USD; gift card, tax and shipping excluded.
    assert award.base == Money(Decimal("150.74"), "USD")
    assert award.points == 150
    # The same rule over the presentment amounts: 2x55.20 - 11.04 + 9.19 - 0.92 + 3x11.50 - 3.45 EUR.
    assert award.presentment_base == Money(Decimal("138.68"), "EUR")
    assert award.rule_version == "default-1"


def test_tax_is_taken_out_when_prices_include_it():
    award = award_for(order(taxes_included=True, line_items=[line("121.00", tax="21.00")]), DEFAULT_RULE)
    assert award.base.amount == Decimal("100.00")
    assert award.points == 100


def test_test_orders_earn_nothing():
    assert award_for(order(test=True), DEFAULT_RULE).points == 0


def test_an_order_of_only_gift_cards_earns_nothing():
    assert award_for(order(line_items=[line("50.00", gift_card=True)]), DEFAULT_RULE).points == 0


def test_a_discount_larger_than_the_line_never_makes_the_base_negative():
    # The parser refuses such a payload (domain/limits.py); the rule stays safe for an Order built otherwise.
    parsed = order(line_items=[line("5.00")])
    [five] = parsed.lines
    too_much = replace(five, shop=replace(five.shop, discount=Decimal("7.00")))
    assert award_for(replace(parsed, lines=(too_much,)), DEFAULT_RULE).base.amount == 0


@pytest.mark.parametrize(("rounding", "expected"), [("down", 19), ("half_up", 20), ("up", 20)])
def test_rounding_is_a_rule_setting(rounding, expected):
    rule = EarningRule(version="r2", points_per_unit=Decimal("2"), rounding=rounding)
    assert rule.points_for(Money(Decimal("9.75"), "USD")) == expected
