"""Shopify order and refund payloads → domain events. Wire names stay here; the domain never sees them."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from chalicelib.adapters import json_input
from chalicelib.domain import limits
from chalicelib.domain.errors import InvalidPayload
from chalicelib.domain.money import Money
from chalicelib.domain.orders import (
    CustomerRef,
    Delivery,
    FulfillmentChanged,
    LineAmounts,
    Order,
    OrderLine,
    OrderUpdate,
    ProductChanged,
    Refund,
    RefundCreated,
)

# financial_status values that mean the order was paid in full at some point (refunds come later).
PAID_STATES = frozenset({"paid", "partially_refunded", "refunded"})


def load_json(raw: bytes | str) -> dict[str, Any]:
    """Parse a payload keeping ids exact (Python ints) and any JSON number as a Decimal, never a float; strict and
    depth-bounded (chalicelib/adapters/json_input.py)."""
    body = json_input.loads(raw, parse_float=Decimal)
    if not isinstance(body, dict):
        raise InvalidPayload("body must be a JSON object")
    return body


def parse_order(shop: str, body: Mapping[str, Any]) -> Order:
    currency = limits.currency(body.get("currency"), "currency")
    taxes_included = bool(body.get("taxes_included"))
    return Order(
        shop=shop,
        order_id=shopify_id(body.get("id"), "id"),
        name=str(body.get("name") or ""),
        currency=currency,
        presentment_currency=limits.currency(body.get("presentment_currency") or currency, "presentment_currency"),
        processed_at=shopify_time(body.get("processed_at") or body.get("created_at"), "processed_at"),
        customer=_customer(body.get("customer")),
        lines=tuple(_line(item, taxes_included) for item in _list(body, "line_items")),
        taxes_included=taxes_included,
        test=bool(body.get("test")),
        subtotal=_money_set(body.get("subtotal_price_set"), "shop_money"),
    )


def parse_refund(body: Any, order_id: str | None = None) -> Refund:
    if not isinstance(body, Mapping):
        raise InvalidPayload("refunds[] must be objects")
    subtotal, tax = Decimal(0), Decimal(0)
    for item in _optional_list(body, "refund_line_items"):
        if not isinstance(item, Mapping):
            raise InvalidPayload("refund_line_items[] must be objects")
        line = item.get("line_item")
        if isinstance(line, Mapping) and line.get("gift_card"):
            continue
        subtotal += _amount(item, "subtotal", "subtotal_set", "shop_money", "refund_line_items[]")
        has_tax = item.get("total_tax_set") or item.get("total_tax") is not None
        tax += _amount(item, "total_tax", "total_tax_set", "shop_money", "refund_line_items[]") if has_tax \
            else Decimal(0)
    limits.check_refund(subtotal, tax, "refund_line_items")
    return Refund(
        refund_id=shopify_id(body.get("id"), "refund id"),
        order_id=order_id or shopify_id(body.get("order_id"), "order_id"),
        subtotal=subtotal, tax=tax,
        created_at=shopify_time(body.get("created_at") or body.get("processed_at"), "created_at"),
    )


def _order_update(delivery: Delivery, shop: str, body: Mapping[str, Any]) -> OrderUpdate:
    order = parse_order(shop, body)
    cancelled = body.get("cancelled_at")
    if delivery.topic == "orders/cancelled" and not cancelled:
        cancelled = body.get("updated_at") or body.get("processed_at")
    status = body.get("financial_status")
    return OrderUpdate(
        order=order, delivery=delivery,
        paid=delivery.topic == "orders/paid" or (isinstance(status, str) and status in PAID_STATES),
        cancelled_at=shopify_time(cancelled, "cancelled_at") if cancelled else None,
        refunds=tuple(parse_refund(r, order.order_id) for r in _optional_list(body, "refunds")),
    )


def _fulfillment_changed(delivery: Delivery, shop: str, body: Mapping[str, Any]) -> FulfillmentChanged:
    created = shopify_time(body.get("created_at"), "created_at")
    return FulfillmentChanged(
        shop=shop, order_id=shopify_id(body.get("order_id"), "order_id"),
        fulfillment_id=shopify_id(body.get("id"), "id"), status=str(body.get("status") or "pending"),
        shipment_status=_optional_text(body, "shipment_status", "shipment_status"), created_at=created,
        updated_at=shopify_time(body["updated_at"], "updated_at") if body.get("updated_at") else created,
        line_ids=tuple(shopify_id(li.get("id"), "line_items[].id") for li in _optional_list(body, "line_items")
                       if isinstance(li, Mapping)),
        delivery=delivery,
    )


def _product_changed(delivery: Delivery, shop: str, body: Mapping[str, Any]) -> ProductChanged:
    """Tags arrive as one comma-separated string; they are compared without case."""
    raw = body.get("tags") if delivery.topic != "products/delete" else ""
    tags = frozenset(t.strip().lower() for t in str(raw or "").split(",") if t.strip())
    stamp = body.get("updated_at") or delivery.triggered_at
    return ProductChanged(shop=shop, product_id=shopify_id(body.get("id"), "id"), tags=tags,
                          as_of=shopify_time(str(stamp).replace("Z", "+00:00"), "updated_at"), delivery=delivery,
                          handle=str(body.get("handle") or "") or None)


def _refund_created(delivery: Delivery, shop: str, body: Mapping[str, Any]) -> RefundCreated:
    return RefundCreated(shop=shop, refund=parse_refund(body), delivery=delivery)


Parser = Callable[[Delivery, str, Mapping[str, Any]], object]

ORDER_PARSERS: dict[str, Parser] = {
    "orders/paid": _order_update,
    "orders/create": _order_update,
    "orders/updated": _order_update,
    "orders/cancelled": _order_update,
    "refunds/create": _refund_created,
    "fulfillments/create": _fulfillment_changed,
    "fulfillments/update": _fulfillment_changed,
    "products/create": _product_changed,
    "products/update": _product_changed,
    "products/delete": _product_changed,
}


def _line(item: Any, taxes_included: bool) -> OrderLine:
    if not isinstance(item, Mapping):
        raise InvalidPayload("line_items[] must be objects")
    quantity = limits.quantity(item.get("quantity"), "line_items[].quantity")
    product_id = item.get("product_id")
    shop, presentment = _line_amounts(item, "shop_money"), _line_amounts(item, "presentment_money")
    for amounts in (shop, presentment):
        limits.check_line(amounts.unit_price, quantity, amounts.discount, amounts.tax, taxes_included,
                          "line_items[]")
    return OrderLine(
        line_id=shopify_id(item.get("id"), "line_items[].id"),
        product_id=None if product_id is None else shopify_id(product_id, "line_items[].product_id"),
        quantity=quantity,
        shop=shop,
        presentment=presentment,
        gift_card=bool(item.get("gift_card")),
        title=str(item.get("title") or item.get("name") or ""),
    )


def _line_amounts(item: Mapping[str, Any], which: str) -> LineAmounts:
    discounts = _optional_list(item, "discount_allocations")
    return LineAmounts(
        unit_price=_amount(item, "price", "price_set", which, "line_items[]"),
        discount=sum((_amount(a, "amount", "amount_set", which, "line_items[].discount_allocations[]")
                      for a in discounts), Decimal(0)),
        tax=sum((_amount(t, "price", "price_set", which, "line_items[].tax_lines[]")
                 for t in _optional_list(item, "tax_lines")), Decimal(0)),
    )


def _amount(obj: Any, plain: str, money_set: str, which: str, where: str) -> Decimal:
    """The amount in shop or presentment money from the `*_set` field; the plain field (shop money) otherwise."""
    if not isinstance(obj, Mapping):
        raise InvalidPayload(f"{where} must be objects")
    sets = obj.get(money_set)
    money = sets.get(which) if isinstance(sets, Mapping) else None
    value = money.get("amount", obj.get(plain)) if isinstance(money, Mapping) else obj.get(plain)
    return limits.amount(value, f"{where}.{plain}")


def _money_set(value: Any, which: str) -> Money | None:
    money = value.get(which) if isinstance(value, Mapping) else None
    if not money:
        return None
    if not isinstance(money, Mapping):
        raise InvalidPayload(f"subtotal_price_set.{which} must be an object")
    return Money(limits.amount(money.get("amount"), f"subtotal_price_set.{which}.amount"),
                 str(money.get("currency_code") or ""))


def _customer(value: Any) -> CustomerRef | None:
    if not isinstance(value, Mapping) or value.get("id") is None:
        return None
    return CustomerRef(
        customer_id=shopify_id(value["id"], "customer.id"),
        email=_optional_text(value, "email", "customer.email"),
        first_name=_optional_text(value, "first_name", "customer.first_name"),
    )


def shopify_id(value: Any, field: str) -> str:
    """Shopify ids exceed 2^53: an int or a string of ASCII digits (domain/limits.py), never a float; kept as text."""
    return limits.platform_id(value, field)


def _optional_text(body: Mapping[str, Any], name: str, field: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidPayload(f"{field} must be a string")
    return value or None


def _list(body: Mapping[str, Any], field: str) -> list[Any]:
    value = body.get(field)
    if not isinstance(value, list):
        raise InvalidPayload(f"{field} must be a list")
    return value


def _optional_list(body: Mapping[str, Any], field: str) -> list[Any]:
    return [] if body.get(field) is None else _list(body, field)


def shopify_time(value: Any, field: str) -> datetime:
    """An ISO-8601 time with its offset, within the bounds of domain/limits.py (the value is never echoed)."""
    if not isinstance(value, str) or not value.isascii():
        raise InvalidPayload(f"{field} must be an ISO-8601 time")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as e:
        raise InvalidPayload(f"{field} is not an ISO-8601 time") from e
    return limits.moment(parsed, field)
