from decimal import Decimal

import pytest

from chalicelib.adapters.shopify_events import load_json, parse_order, parse_refund
from chalicelib.adapters.shopify_topics import parse_event
from chalicelib.domain.errors import InvalidPayload
from chalicelib.domain.orders import Delivery, OrderUpdate, RefundCreated
from tests.factories import SHOP, body_of, load_event, make_order

DELIVERY = Delivery(source="shopify", topic="orders/paid", webhook_id="wh-1")


def test_parses_a_realistic_order_keeping_ids_exact_and_money_decimal():
    order = parse_order(SHOP, load_json(body_of(make_order())))
    assert order.order_id == "5928371928374650123"          # above 2**53, exact
    assert order.customer is not None
    assert order.customer.customer_id == "7390012345678901234"
    assert order.customer.email == "ada@example.com"
    assert next(line.line_id for line in order.lines) == "14029384756102938475"
    assert order.currency == "USD"
    assert order.presentment_currency == "EUR"
    sweater = order.lines[0]
    assert sweater.quantity == 2
    assert (sweater.shop.unit_price, sweater.shop.discount, sweater.shop.tax) == (
        Decimal("60.00"), Decimal("12.00"), Decimal("8.64"))
    assert (sweater.presentment.unit_price, sweater.presentment.discount, sweater.presentment.tax) == (
        Decimal("55.20"), Decimal("11.04"), Decimal("7.95"))
    assert all(isinstance(line.shop.unit_price, Decimal) for line in order.lines)
    assert order.subtotal is not None
    assert order.subtotal.amount == Decimal("175.74")


def test_custom_lines_without_product_and_gift_cards_are_recognised():
    order = parse_order(SHOP, load_json(body_of(make_order())))
    engraving = next(line for line in order.lines if line.line_id.endswith("477"))
    assert engraving.product_id is None
    assert [line.gift_card for line in order.lines] == [False, True, False, False]


def test_ids_sent_as_bare_json_numbers_above_2_53_stay_exact():
    raw = b'{"id": 820982911946154508, "currency": "USD", "processed_at": "2026-01-01T00:00:00Z",' \
          b' "line_items": [{"id": 487817672276298554, "quantity": 1, "price": 89.99}]}'
    order = parse_order(SHOP, load_json(raw))
    assert order.order_id == "820982911946154508"
    assert order.lines[0].shop.unit_price == Decimal("89.99")         # a JSON number is read as an exact decimal
    assert order.lines[0].presentment.unit_price == Decimal("89.99")  # no *_set: shop money stands in


def test_guest_checkout_without_a_customer_object_parses_with_no_customer():
    order = parse_order(SHOP, load_json(body_of(make_order(customer=None))))
    assert order.customer is None


def test_orders_paid_says_paid_whatever_the_payload_status_and_unknown_topics_are_none():
    body = load_json(body_of(make_order(financial_status="pending")))
    event = parse_event(DELIVERY, SHOP, body)
    assert isinstance(event, OrderUpdate)
    assert event.paid
    assert event.cancelled_at is None
    assert parse_event(Delivery("shopify", "themes/publish", "wh-2"), SHOP, body) is None


@pytest.mark.parametrize(("topic", "status", "paid"), [
    ("orders/create", "paid", True), ("orders/create", "pending", False), ("orders/updated", "authorized", False),
    ("orders/updated", "partially_refunded", True), ("orders/updated", "refunded", True),
    ("orders/updated", "voided", False),
])
def test_other_order_topics_say_paid_from_the_financial_status(topic, status, paid):
    event = parse_event(Delivery("shopify", topic, "wh"), SHOP, load_json(body_of(make_order(financial_status=status))))
    assert event.paid is paid


def test_orders_cancelled_is_a_cancellation_even_without_cancelled_at():
    event = parse_event(Delivery("shopify", "orders/cancelled", "wh"), SHOP,
                        load_json(body_of(make_order(cancelled_at=None))))
    assert event.cancelled_at is not None


def test_a_refund_counts_merchandise_without_gift_cards_and_keeps_its_tax_apart():
    event = parse_event(Delivery("shopify", "refunds/create", "wh"), SHOP,
                        load_json(body_of(load_event("shopify/refunds-create.2026-04"))))
    assert isinstance(event, RefundCreated)
    refund = event.refund
    assert (refund.refund_id, refund.order_id) == ("890088186047892319", "5928371928374650123")
    assert (refund.subtotal, refund.tax) == (Decimal("54.00"), Decimal("4.32"))   # 1 sweater net; gift card left out


def test_a_shipping_only_refund_refunds_no_merchandise():
    refund = parse_refund({"id": 7, "order_id": 9, "created_at": "2026-11-21T09:00:00Z", "refund_line_items": [],
                           "refund_shipping_lines": [{"id": 1, "subtotal_amount_set": {}}]})
    assert refund.subtotal == 0


@pytest.mark.parametrize("change", [
    {"id": 1.5}, {"id": "12a"}, {"currency": ""}, {"line_items": "none"}, {"processed_at": "yesterday"},
    {"processed_at": "2026-11-20T10:15:02"},  # no offset
    {"line_items": [{"id": 1, "quantity": -1, "price": "1.00"}]},
    {"line_items": [{"id": 1, "quantity": 1, "price": "abc"}]},
    {"line_items": [{"id": 1, "quantity": True, "price": "1.00"}]},
])
def test_rejects_payloads_the_ledger_cannot_trust(change):
    with pytest.raises(InvalidPayload):
        parse_order(SHOP, load_json(body_of(make_order(**change))))


@pytest.mark.parametrize("raw", [b"", b"[1, 2]", b"{not json", b'"text"'])
def test_load_json_accepts_only_objects(raw):
    with pytest.raises(InvalidPayload):
        load_json(raw)
