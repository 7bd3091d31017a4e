"""Payloads that can never be a real order, refund or event are refused where they are parsed (InvalidPayload), before
they could be applied as money or crash the worker: one test per class of impossible value (domain/limits.py)."""
import contextlib
import copy
from decimal import Decimal

import pytest

from chalicelib.adapters import hubspot_events
from chalicelib.adapters.shopify_events import load_json, parse_order, parse_refund
from chalicelib.adapters.shopify_topics import parse_event
from chalicelib.domain.errors import InvalidPayload
from chalicelib.domain.orders import Delivery
from tests.factories import SHOP, body_of, load_event, make_order
from tests.hubspot_factories import event, prop

REFUND = load_event("shopify/refunds-create.2026-04")


def line(price="20.00", quantity=1, discount="0.00", **extra):
    return {"id": 1, "product_id": 9, "quantity": quantity, "price": price, "gift_card": False,
            "discount_allocations": [{"amount": discount}], "tax_lines": [], **extra}


def refused_order(**changes):
    with pytest.raises(InvalidPayload) as refused:
        parse_order(SHOP, load_json(body_of(make_order(**changes))))
    return refused.value.message


def test_a_realistic_order_still_parses():
    order = parse_order(SHOP, load_json(body_of(make_order(line_items=[line(discount="5.00")]))))
    assert (order.lines[0].shop.unit_price, order.lines[0].shop.discount) == (Decimal("20.00"), Decimal("5.00"))


@pytest.mark.parametrize(("item", "field"), [
    (line(price="99999999999999999999999"), "price"),        # would award that many points
    (line(price="1000000000.01"), "price"),
    (line(price="600000000.00", quantity=2), "price × quantity"),
    (line(price="1e30"), "price"),                           # exponent notation
    (line(price="-20.00"), "price"),                          # negative
    (line(discount="-100.00"), "amount"),                     # would turn a 20.00 line into 120 points
    (line(discount="20.01"), "discounts exceed"),             # more than the line
    (line(quantity=10**30), "quantity"),                      # would crash the award with decimal.InvalidOperation
    (line(quantity=0), "quantity"),
    (line(price="２０.００"), "price"),                        # full-width digits: Decimal() takes them
    (line(price="20.000001"), "decimal places"),
])
def test_impossible_line_amounts_are_refused(item, field):
    assert field in refused_order(line_items=[item])


def test_a_json_number_too_large_for_money_is_refused_not_crashed_on():
    raw = body_of(make_order(line_items=[])).replace(b'"line_items": []',
                                                      b'"line_items": [{"id": 1, "quantity": 1, "price": 1e30}]')
    with pytest.raises(InvalidPayload, match="price"):
        parse_order(SHOP, load_json(raw))


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"), Decimal("sNaN")])
def test_non_finite_numbers_that_reached_the_parser_are_refused(value):
    body = make_order(line_items=[line(price=value)])         # as if the JSON reader had let NaN through
    with pytest.raises(InvalidPayload):
        parse_order(SHOP, body)


@pytest.mark.parametrize("ids", [
    {"id": "５９２８３７１９２８３７４６５０１２３"},                          # full-width
    {"id": "٥٩٢٨٣٧١٩٢٨٣٧٤٦٥٠١٢٣"},                                         # Arabic-Indic
    {"id": "1" * 21}, {"id": 10**20},
    {"customer": {"id": "٧٣٩٠٠١٢٣٤٥", "email": "ada@example.com"}},
    {"line_items": [line(id="１")]},
])
def test_ids_in_other_digits_or_too_long_are_refused(ids):
    assert "ASCII digits" in refused_order(**ids)


@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00",
                                   "1970-01-01T00:00:00Z", "２０２６-11-20T10:15:02-05:00", "2026-11-20T10:15:02"])
def test_times_that_do_not_parse_or_lie_outside_the_window_are_refused(stamp):
    assert "processed_at" in refused_order(processed_at=stamp)


@pytest.mark.parametrize("currency", ["usd", "DOLLARS", "", None])
def test_currencies_are_iso_codes(currency):
    assert "currency" in refused_order(currency=currency)


@pytest.mark.parametrize("change", [
    {"line_items": [line(discount_allocations=["12.00"])]},
    {"line_items": [line(discount_allocations=7)]},
    {"line_items": [line(price_set="60.00")]},
    {"line_items": [line(price_set={"shop_money": "60.00"})]},
    {"refunds": [{"id": 1}, "r"]},
    {"refunds": 5},
    {"financial_status": ["paid"]},
    {"customer": {"id": 7, "email": {"address": "ada@example.com"}}},
])
def test_wrong_shapes_are_refused_or_ignored_never_crashed_on(change):
    """An AttributeError or TypeError here would be retried until the dead-letter queue."""
    with contextlib.suppress(InvalidPayload):
        parse_event(Delivery("shopify", "orders/updated", "wh"), SHOP, load_json(body_of(make_order(**change))))


def refund_with(subtotal, tax="0.00"):
    refund = copy.deepcopy(REFUND)
    item = refund["refund_line_items"][0]
    item["subtotal_set"]["shop_money"]["amount"] = subtotal
    item["total_tax_set"]["shop_money"]["amount"] = tax
    return refund


@pytest.mark.parametrize(("subtotal", "tax"), [("-54.00", "0.00"), ("54.00", "-4.32"), ("1.00", "4.32"),
                                               ("99999999999.00", "0.00")])
def test_refunds_with_negative_or_impossible_amounts_are_refused(subtotal, tax):
    with pytest.raises(InvalidPayload):
        parse_refund(load_json(body_of(refund_with(subtotal, tax))))


def test_a_refund_line_naming_its_line_item_as_text_is_refused_not_crashed_on():
    refund = copy.deepcopy(REFUND)
    refund["refund_line_items"][0]["line_item"] = "sweater"
    assert parse_refund(load_json(body_of(refund))).subtotal == Decimal("54.00")     # not a gift card: counted
    refund["refund_line_items"] = [7]
    with pytest.raises(InvalidPayload):
        parse_refund(load_json(body_of(refund)))


def test_shopifys_own_test_delivery_of_a_consent_update_is_refused():
    """Shopify's "Send test notification" for customers_email_marketing_consent/update sends nulls."""
    body = load_json(body_of(load_event("shopify/customers-email-marketing-consent-update.test-delivery.2026-04")))
    delivery = Delivery("shopify", "customers_email_marketing_consent/update", "wh",
                        triggered_at="2026-11-20T15:15:05.123456789Z")
    with pytest.raises(InvalidPayload, match="state"):
        parse_event(delivery, SHOP, body)


@pytest.mark.parametrize("body", [
    event("contact.creation", 1, occurred_at=10**30),          # would overflow datetime in the worker
    event("contact.creation", 1, occurred_at=-1),
    event("contact.creation", 1, occurred_at=253_402_300_800_000),      # year 10000
    event("contact.creation", "１２３"),                        # full-width object id
    event("contact.creation", 10**25),
    {**event("contact.creation", 1), "portalId": "٦٢٥١٥"},
    prop(1, "loyalty_grant_points", {"points": 50}),
])
def test_impossible_hubspot_events_are_refused(body):
    with pytest.raises(InvalidPayload):
        hubspot_events.parse_event(body, "hubspot:k")
