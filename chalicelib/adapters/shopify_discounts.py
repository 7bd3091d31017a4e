"""The GraphQL mutation that makes a reward's discount code: one customer, one use (pure request building)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from chalicelib.services.ports.connectors import DiscountSpec

BASIC = """mutation($d: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $d) { codeDiscountNode { id } userErrors { field code message } }
}"""
FREE_SHIPPING = """mutation($d: DiscountCodeFreeShippingInput!) {
  discountCodeFreeShippingCreate(freeShippingCodeDiscount: $d) {
    codeDiscountNode { id } userErrors { field code message }
  }
}"""


def discount_mutation(spec: DiscountSpec) -> tuple[str, str, dict[str, Any]]:
    """(operation name, query, variables) for the spec's kind."""
    common: dict[str, Any] = {
        "title": spec.title, "code": spec.code, "startsAt": _time(spec.starts_at),
        "context": {"customers": {"add": [customer_gid(spec.customer_id)]}},
        "usageLimit": 1, "appliesOncePerCustomer": True,
    }
    if spec.ends_at is not None:
        common["endsAt"] = _time(spec.ends_at)
    if spec.minimum_subtotal is not None:
        common["minimumRequirement"] = {"subtotal": {"greaterThanOrEqualToSubtotal": _amount(spec.minimum_subtotal)}}
    if spec.kind == "free_shipping":
        return "discountCodeFreeShippingCreate", FREE_SHIPPING, {"d": common | {"destination": {"all": True}}}
    if spec.value is None or spec.value <= 0:
        raise ValueError(f"a {spec.kind} discount needs a positive value")
    if spec.kind == "percentage":
        if spec.value > 100:
            raise ValueError("a percentage discount is at most 100")
        value: dict[str, Any] = {"percentage": float(spec.value / 100)}     # Shopify takes a fraction, 0–1
    elif spec.kind == "fixed_amount":
        value = {"discountAmount": {"amount": _amount(spec.value), "appliesOnEachItem": False}}
    else:
        raise ValueError(f"unknown discount kind {spec.kind!r}")
    return "discountCodeBasicCreate", BASIC, {"d": common | {"customerGets": {"value": value, "items": {"all": True}}}}


def customer_gid(customer_id: str) -> str:
    return customer_id if customer_id.startswith("gid://") else f"gid://shopify/Customer/{customer_id}"


def _amount(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f")


def _time(at: datetime) -> str:
    return at.isoformat()
