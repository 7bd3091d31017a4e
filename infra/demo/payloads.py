"""The demo's Shopify payloads and ids (shaped as tests/events/shopify's captured 2026-04 payloads). No I/O.

Ids live in a block of their own (DEMO_BLOCK of infra.bench.payloads' id space) and follow from the seed, the
customer's number and the order's number, so a plan sent twice sends the same ids and webhook ids.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from infra.bench.payloads import BLOCK, CUSTOMER_BASE, ORDER_BASE, REFUND_BASE

if TYPE_CHECKING:
    from infra.demo.generate import Customer

DEMO_BLOCK = 800                  # infra.bench.payloads' blocks: bench kinds low, CDNOW 900
PER_SEED = 1_000_000              # ids per seed (customers, and orders / 60 per customer)
_NAMESPACE = uuid.UUID("9b7f2f4e-1d7a-4c1e-8f0e-64656d6f6461")
_LINE_BASE = 3_029_384_756_102_938_475
_FULFILLMENT_BASE = 4_903_932_756_123_456_789
TAX_RATE = Decimal("0.08")
SHIPPING = Decimal("5.99")
CURRENCY = "USD"

PRODUCTS = (
    (8_123_456_789_100_000_001, "Merino Crew Sweater"), (8_123_456_789_100_000_002, "Wool Socks"),
    (8_123_456_789_100_000_003, "Linen Shirt"), (8_123_456_789_100_000_004, "Canvas Tote"),
    (8_123_456_789_100_000_005, "Leather Belt"), (8_123_456_789_100_000_006, "Cashmere Scarf"),
    (8_123_456_789_100_000_007, "Rain Jacket"), (8_123_456_789_100_000_008, "Cotton Tee"),
)


def customer_id(seed: int, n: int) -> int:
    return CUSTOMER_BASE + DEMO_BLOCK * BLOCK + seed * PER_SEED + n


def order_id(seed: int, n: int, k: int) -> int:
    """The k-th order (from 0) of customer n."""
    return ORDER_BASE + DEMO_BLOCK * BLOCK + seed * PER_SEED * 100 + n * 100 + k


def email(seed: int, n: int) -> str:
    return f"demo{seed}-{n:05d}@example.com"


def webhook_id(seed: int, topic: str, object_id: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{seed}:{topic}:{object_id}"))


def _money(amount: Decimal) -> dict[str, Any]:
    return {"shop_money": {"amount": str(amount), "currency_code": CURRENCY},
            "presentment_money": {"amount": str(amount), "currency_code": CURRENCY}}


def _iso(at: datetime) -> str:
    return at.isoformat()


def customer_body(c: Customer) -> dict[str, Any]:
    at = _iso(c.joined.astimezone(c.offset))
    return {"id": c.customer_id, "email": c.email, "created_at": at, "updated_at": at, "first_name": c.first_name,
            "last_name": f"Demo{c.n}", "state": "enabled", "note": None, "verified_email": True,
            "multipass_identifier": None, "tax_exempt": False, "phone": None, "currency": CURRENCY, "addresses": [],
            "tax_exemptions": [], "admin_graphql_api_id": f"gid://shopify/Customer/{c.customer_id}",
            "default_address": None}


def consent_body(c: Customer) -> dict[str, Any]:
    return {"customer_id": c.customer_id, "email_address": c.email, "email_marketing_consent": {
        "state": "subscribed", "opt_in_level": "single_opt_in",
        "consent_updated_at": _iso(c.joined.astimezone(c.offset))}}


def line_id(order: int, i: int) -> int:
    return _LINE_BASE + 4 * (order - ORDER_BASE) + i


def merchandise(order: dict[str, Any]) -> Decimal:
    """What the order earns on: the lines after their discounts (no tax, shipping or gift card)."""
    return sum((Decimal(line["price"]) * line["quantity"] - Decimal(line["total_discount"])
                for line in order["line_items"]), Decimal(0))


def order_body(c: Customer, oid: int, at: datetime, lines: list[tuple[int, Decimal, int, Decimal]]) -> dict[str, Any]:
    """An `orders/paid` body: the lines with their discounts, 8 % tax on top and a shipping line."""
    items, subtotal, discounts, tax = [], Decimal(0), Decimal(0), Decimal(0)
    for i, (product, price, quantity, discount) in enumerate(lines):
        product_id, title = PRODUCTS[product]
        line_tax = ((price * quantity - discount) * TAX_RATE).quantize(Decimal("0.01"))
        items.append({
            "id": line_id(oid, i), "admin_graphql_api_id": f"gid://shopify/LineItem/{line_id(oid, i)}",
            "product_id": product_id, "title": title, "name": title, "quantity": quantity,
            "current_quantity": quantity, "price": str(price), "price_set": _money(price),
            "total_discount": str(discount),
            "discount_allocations": [{"amount": str(discount), "discount_application_index": 0,
                                      "amount_set": _money(discount)}] if discount else [],
            "tax_lines": [{"title": "Sales tax", "rate": float(TAX_RATE), "price": str(line_tax),
                           "price_set": _money(line_tax)}],
            "gift_card": False, "taxable": True, "requires_shipping": True, "fulfillment_status": None})
        subtotal += price * quantity - discount
        discounts += discount
        tax += line_tax
    number = 100_000 + (oid - ORDER_BASE) % 10_000_000
    paid = _iso(at.astimezone(c.offset))
    total = subtotal + tax + SHIPPING
    return {
        "id": oid, "admin_graphql_api_id": f"gid://shopify/Order/{oid}", "name": f"#{number}", "order_number": number,
        "email": c.email, "contact_email": c.email, "created_at": paid, "processed_at": paid, "updated_at": paid,
        "cancelled_at": None, "cancel_reason": None, "currency": CURRENCY, "presentment_currency": CURRENCY,
        "financial_status": "paid", "fulfillment_status": None, "test": False, "taxes_included": False,
        "source_name": "web", "tags": "demo", "subtotal_price": str(subtotal), "subtotal_price_set": _money(subtotal),
        "total_price": str(total), "total_price_set": _money(total), "total_discounts": str(discounts),
        "total_tax": str(tax), "total_line_items_price": str(subtotal + discounts), "discount_codes": [],
        "discount_applications": [], "customer": {
            "id": c.customer_id, "email": c.email, "first_name": c.first_name, "last_name": f"Demo{c.n}",
            "admin_graphql_api_id": f"gid://shopify/Customer/{c.customer_id}"},
        "line_items": items,
        "shipping_lines": [{"id": oid, "title": "Standard", "price": str(SHIPPING), "code": "STANDARD",
                            "price_set": _money(SHIPPING), "discount_allocations": [], "tax_lines": []}],
        "refunds": [], "fulfillments": [],
    }


def fulfillment_body(order: dict[str, Any], shipped: datetime, delivered: datetime | None) -> dict[str, Any]:
    """`fulfillments/create` (delivered None) or its `fulfillments/update` once the carrier delivered."""
    oid = order["id"]
    fid = _FULFILLMENT_BASE + (oid - ORDER_BASE)
    offset = datetime.fromisoformat(order["processed_at"]).tzinfo
    return {
        "id": fid, "order_id": oid, "status": "success", "created_at": _iso(shipped.astimezone(offset)),
        "updated_at": _iso((delivered or shipped).astimezone(offset)), "service": "manual",
        "tracking_company": "UPS", "shipment_status": "delivered" if delivered else None, "location_id": 24826418,
        "name": f"{order['name']}.1", "tracking_number": f"1Z{fid % 10**10}",
        "admin_graphql_api_id": f"gid://shopify/Fulfillment/{fid}",
        "line_items": [{"id": line["id"], "product_id": line["product_id"], "quantity": line["quantity"],
                        "title": line["title"], "gift_card": False} for line in order["line_items"]],
    }


def refund_amount(order: dict[str, Any], line: int) -> Decimal:
    item = order["line_items"][line]
    return Decimal(item["price"]) * item["quantity"] - Decimal(item["total_discount"])


def refund_body(order: dict[str, Any], line: int, at: datetime) -> dict[str, Any]:
    """`refunds/create`: one line returned in full (its merchandise after discount, and its tax)."""
    item = order["line_items"][line]
    oid = order["id"]
    subtotal = refund_amount(order, line)
    tax = Decimal(item["tax_lines"][0]["price"])
    offset = datetime.fromisoformat(order["processed_at"]).tzinfo
    when = _iso(at.astimezone(offset))
    rid = REFUND_BASE + DEMO_BLOCK * BLOCK + (oid - ORDER_BASE) % (DEMO_BLOCK * BLOCK)
    return {
        "id": rid, "order_id": oid, "created_at": when, "processed_at": when, "note": "Returned", "restock": True,
        "admin_graphql_api_id": f"gid://shopify/Refund/{rid}", "order_adjustments": [], "refund_shipping_lines": [],
        "return": None, "duties": [],
        "refund_line_items": [{
            "id": rid, "quantity": item["quantity"], "line_item_id": item["id"], "restock_type": "return",
            "subtotal": float(subtotal), "total_tax": float(tax), "subtotal_set": _money(subtotal),
            "total_tax_set": _money(tax),
            "line_item": {"id": item["id"], "product_id": item["product_id"], "title": item["title"],
                          "quantity": item["quantity"], "price": item["price"], "gift_card": False}}],
        "transactions": [{"id": rid, "order_id": oid, "kind": "refund", "gateway": "shopify_payments",
                          "status": "success", "amount": str(subtotal + tax), "currency": None, "test": False}],
    }
