"""Shopify order and refund payloads → domain events. Wire names stay here; the domain never sees them."""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from chalicelib.domain.errors import InvalidPayload
from chalicelib.domain.money import Money, parse_decimal
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
    """Parse a payload keeping ids exact (Python ints) and any JSON number as a Decimal, never a float."""
    try:
        body = json.loads(raw, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as e:
        raise InvalidPayload("body is not valid JSON") from e
    if not isinstance(body, dict):
        raise InvalidPayload("body must be a JSON object")
    return body


def parse_order(shop: str, body: Mapping[str, Any]) -> Order:
    currency = _text(body, "currency")
    return Order(
        shop=shop,
        order_id=shopify_id(body.get("id"), "id"),
        name=str(body.get("name") or ""),
        currency=currency,
        presentment_currency=str(body.get("presentment_currency") or currency),
        processed_at=shopify_time(body.get("processed_at") or body.get("created_at"), "processed_at"),
        customer=_customer(body.get("customer")),
        lines=tuple(_line(item) for item in _list(body, "line_items")),
        taxes_included=bool(body.get("taxes_included")),
        test=bool(body.get("test")),
        subtotal=_money_set(body.get("subtotal_price_set"), "shop_money"),
    )


def parse_refund(body: Mapping[str, Any], order_id: str | None = None) -> Refund:
    subtotal, tax = Decimal(0), Decimal(0)
    for item in body.get("refund_line_items") or []:
        if not isinstance(item, Mapping):
            raise InvalidPayload("refund_line_items[] must be objects")
        if (item.get("line_item") or {}).get("gift_card"):
            continue
        subtotal += _amount(item, "subtotal", "subtotal_set", "shop_money")
        has_tax = item.get("total_tax_set") or item.get("total_tax") is not None
        tax += _amount(item, "total_tax", "total_tax_set", "shop_money") if has_tax else Decimal(0)
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
    return OrderUpdate(
        order=order, delivery=delivery,
        paid=delivery.topic == "orders/paid" or body.get("financial_status") in PAID_STATES,
        cancelled_at=shopify_time(cancelled, "cancelled_at") if cancelled else None,
        refunds=tuple(parse_refund(r, order.order_id) for r in body.get("refunds") or []),
    )


def _fulfillment_changed(delivery: Delivery, shop: str, body: Mapping[str, Any]) -> FulfillmentChanged:
    created = shopify_time(body.get("created_at"), "created_at")
    return FulfillmentChanged(
        shop=shop, order_id=shopify_id(body.get("order_id"), "order_id"),
        fulfillment_id=shopify_id(body.get("id"), "id"), status=str(body.get("status") or "pending"),
        shipment_status=body.get("shipment_status") or None, created_at=created,
        updated_at=shopify_time(body["updated_at"], "updated_at") if body.get("updated_at") else created,
        line_ids=tuple(shopify_id(li.get("id"), "line_items[].id") for li in body.get("line_items") or []
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


def _line(item: Any) -> OrderLine:
    if not isinstance(item, Mapping):
        raise InvalidPayload("line_items[] must be objects")
    quantity = item.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
        raise InvalidPayload("line_items[].quantity must be a non-negative integer")
    product_id = item.get("product_id")
    return OrderLine(
        line_id=shopify_id(item.get("id"), "line_items[].id"),
        product_id=None if product_id is None else shopify_id(product_id, "line_items[].product_id"),
        quantity=quantity,
        shop=_line_amounts(item, "shop_money"),
        presentment=_line_amounts(item, "presentment_money"),
        gift_card=bool(item.get("gift_card")),
        title=str(item.get("title") or item.get("name") or ""),
    )


def _line_amounts(item: Mapping[str, Any], which: str) -> LineAmounts:
    return LineAmounts(
        unit_price=_amount(item, "price", "price_set", which),
        discount=sum((_amount(a, "amount", "amount_set", which) for a in item.get("discount_allocations") or []),
                     Decimal(0)),
        tax=sum((_amount(t, "price", "price_set", which) for t in item.get("tax_lines") or []), Decimal(0)),
    )


def _amount(obj: Mapping[str, Any], plain: str, money_set: str, which: str) -> Decimal:
    """The amount in shop or presentment money from the `*_set` field; the plain field (shop money) otherwise."""
    money = (obj.get(money_set) or {}).get(which) or {}
    value = money.get("amount", obj.get(plain))
    return parse_decimal(value, plain)


def _money_set(value: Any, which: str) -> Money | None:
    money = (value or {}).get(which) if isinstance(value, Mapping) else None
    if not money:
        return None
    return Money(parse_decimal(money.get("amount"), which), str(money.get("currency_code") or ""))


def _customer(value: Any) -> CustomerRef | None:
    if not isinstance(value, Mapping) or value.get("id") is None:
        return None
    return CustomerRef(
        customer_id=shopify_id(value["id"], "customer.id"),
        email=value.get("email") or None,
        first_name=value.get("first_name") or None,
    )


def shopify_id(value: Any, field: str) -> str:
    """Shopify ids exceed 2^53: accept an int or a digit string, never a float, and keep it as text."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str) and value.isdigit():
        return value
    raise InvalidPayload(f"{field} must be an integer id")


def _text(body: Mapping[str, Any], field: str) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value:
        raise InvalidPayload(f"{field} is required")
    return value


def _list(body: Mapping[str, Any], field: str) -> list[Any]:
    value = body.get(field)
    if not isinstance(value, list):
        raise InvalidPayload(f"{field} must be a list")
    return value


def shopify_time(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise InvalidPayload(f"{field} must be an ISO-8601 time")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as e:
        raise InvalidPayload(f"{field} is not an ISO-8601 time: {value!r}") from e
    if parsed.tzinfo is None:
        raise InvalidPayload(f"{field} must carry an offset")
    return parsed
