"""ShopifyOrderReader: the orders reconciliation reads through the Admin GraphQL API, and the order as a webhook body.

A listing page is cheap (ids, times, statuses, refund ids); only an order the ledger lacks something of is read
whole, and its refunds one by one, each connection paged, so no query asks for more than a few hundred cost points
(ShopifyAdmin waits for the cost bucket before each call). The whole order is rewritten into the REST shape of its
`orders/updated` webhook, so the worker's parser (shopify_events.py) reads it like any delivery.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from chalicelib.adapters.shopify_admin import ShopifyAdmin
from chalicelib.domain.errors import ConnectorRejected
from chalicelib.domain.reconciliation import OrderFacts
from chalicelib.services.ports.reconciliation import OrderPage

ORDERS_PER_PAGE = 25
PAID_STATES = frozenset({"PAID", "PARTIALLY_REFUNDED", "REFUNDED"})

# Connections page 25 at a time; an order lists up to 50 refund ids (each refund is then read on its own).
LIST = """query($first: Int!, $after: String, $query: String!) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { id updatedAt test cancelledAt displayFinancialStatus customer { id } refunds(first: 50) { id } }
  }
}"""
ORDER = """query($id: ID!, $after: String) {
  order(id: $id) {
    id name test createdAt processedAt updatedAt cancelledAt displayFinancialStatus
    currencyCode presentmentCurrencyCode taxesIncluded
    subtotalPriceSet { shopMoney { amount currencyCode } }
    customer { id firstName defaultEmailAddress { emailAddress } }
    refunds(first: 50) { id }
    lineItems(first: 25, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes {
        id title quantity isGiftCard product { id }
        originalUnitPriceSet { shopMoney { amount } presentmentMoney { amount } }
        discountAllocations { allocatedAmountSet { shopMoney { amount } presentmentMoney { amount } } }
        taxLines { priceSet { shopMoney { amount } presentmentMoney { amount } } }
      }
    }
  }
}"""
REFUND = """query($id: ID!, $after: String) {
  refund(id: $id) {
    id createdAt
    refundLineItems(first: 25, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { lineItem { isGiftCard } subtotalSet { shopMoney { amount } } totalTaxSet { shopMoney { amount } } }
    }
  }
}"""


class ShopifyOrderReader:
    def __init__(self, admin: ShopifyAdmin) -> None:
        self.admin = admin

    def orders_updated(self, since: datetime, until: datetime, cursor: str | None) -> OrderPage:
        search = f"updated_at:>='{_utc(since)}' AND updated_at:<'{_utc(until)}'"
        found = self.admin.graphql("reconcile_orders", LIST, {"first": ORDERS_PER_PAGE, "after": cursor,
                                                               "query": search}).get("orders") or {}
        orders = [_facts(node) for node in found.get("nodes") or [] if isinstance(node, dict)]
        info = found.get("pageInfo") or {}
        return OrderPage(orders, str(info["endCursor"]) if info.get("hasNextPage") and info.get("endCursor") else None)

    def order_body(self, order_id: str) -> str | None:
        gid = f"gid://shopify/Order/{order_id}"
        order: dict[str, Any] | None = None
        lines: list[dict[str, Any]] = []
        for page in self._pages("reconcile_order", ORDER, gid, "order", "lineItems"):
            order = order or page
            lines += page["lineItems"].get("nodes") or []
        if order is None:
            return None
        refunds = [r for r in (self._refund(str(ref["id"]), order_id) for ref in order.get("refunds") or [])
                   if r is not None]
        return json.dumps(webhook_body(order, lines, refunds), separators=(",", ":"))

    def _refund(self, gid: str, order_id: str) -> dict[str, Any] | None:
        refund: dict[str, Any] | None = None
        lines: list[dict[str, Any]] = []
        for page in self._pages("reconcile_refund", REFUND, gid, "refund", "refundLineItems"):
            refund = refund or page
            lines += page["refundLineItems"].get("nodes") or []
        return None if refund is None else refund_body(refund, lines, order_id)

    def _pages(self, operation: str, query: str, gid: str, root: str, connection: str) -> Iterator[dict[str, Any]]:
        after: str | None = None
        while True:
            node = self.admin.graphql(operation, query, {"id": gid, "after": after}).get(root)
            if not isinstance(node, dict):
                return
            if not isinstance(node.get(connection), dict):
                raise ConnectorRejected(f"Shopify answered {root} without {connection}")
            yield node
            info = node[connection].get("pageInfo") or {}
            if not info.get("hasNextPage") or not info.get("endCursor"):
                return
            after = str(info["endCursor"])


def _facts(node: dict[str, Any]) -> OrderFacts:
    return OrderFacts(order_id=legacy_id(node["id"]), updated_at=_time(node["updatedAt"]),
                      paid=node.get("displayFinancialStatus") in PAID_STATES, cancelled=bool(node.get("cancelledAt")),
                      refund_ids=frozenset(legacy_id(r["id"]) for r in node.get("refunds") or []),
                      has_customer=bool(node.get("customer")), test=bool(node.get("test")))


def webhook_body(order: dict[str, Any], lines: list[dict[str, Any]], refunds: list[dict[str, Any]]) -> dict[str, Any]:
    """The order in the REST shape of its webhook: the fields shopify_events.parse_order and _order_update read."""
    customer = order.get("customer") or None
    status = order.get("displayFinancialStatus")
    subtotal = ((order.get("subtotalPriceSet") or {}).get("shopMoney")) or None
    return {
        "id": legacy_id(order["id"]), "name": order.get("name") or "", "test": bool(order.get("test")),
        "created_at": order.get("createdAt"), "processed_at": order.get("processedAt") or order.get("createdAt"),
        "updated_at": order.get("updatedAt"), "cancelled_at": order.get("cancelledAt"),
        "financial_status": status.lower() if isinstance(status, str) else None,
        "currency": order.get("currencyCode"), "presentment_currency": order.get("presentmentCurrencyCode"),
        "taxes_included": bool(order.get("taxesIncluded")),
        "subtotal_price_set": {"shop_money": {"amount": subtotal["amount"],
                                              "currency_code": subtotal.get("currencyCode")}} if subtotal else None,
        "customer": None if not customer else {
            "id": legacy_id(customer["id"]), "first_name": customer.get("firstName"),
            "email": (customer.get("defaultEmailAddress") or {}).get("emailAddress")},
        "line_items": [_line(line) for line in lines],
        "refunds": refunds,
    }


def refund_body(refund: dict[str, Any], lines: list[dict[str, Any]], order_id: str) -> dict[str, Any]:
    return {"id": legacy_id(refund["id"]), "order_id": order_id, "created_at": refund.get("createdAt"),
            "refund_line_items": [{
                "line_item": {"gift_card": bool((line.get("lineItem") or {}).get("isGiftCard"))},
                "subtotal_set": {"shop_money": {"amount": _shop(line.get("subtotalSet"))}},
                "total_tax_set": {"shop_money": {"amount": _shop(line.get("totalTaxSet"))}}} for line in lines]}


def _line(line: dict[str, Any]) -> dict[str, Any]:
    product = line.get("product") or None
    return {
        "id": legacy_id(line["id"]), "title": line.get("title") or "", "quantity": line.get("quantity"),
        "gift_card": bool(line.get("isGiftCard")), "product_id": legacy_id(product["id"]) if product else None,
        "price_set": _money_set(line.get("originalUnitPriceSet")),
        "discount_allocations": [{"amount_set": _money_set(a.get("allocatedAmountSet"))}
                                 for a in line.get("discountAllocations") or []],
        "tax_lines": [{"price_set": _money_set(t.get("priceSet"))} for t in line.get("taxLines") or []],
    }


def _money_set(bag: Any) -> dict[str, Any]:
    bag = bag if isinstance(bag, dict) else {}
    return {"shop_money": {"amount": _shop(bag)},
            "presentment_money": {"amount": ((bag.get("presentmentMoney") or {}).get("amount"))}}


def _shop(bag: Any) -> Any:
    return ((bag or {}).get("shopMoney") or {}).get("amount") if isinstance(bag, dict) else None


def legacy_id(gid: Any) -> str:
    """`gid://shopify/Order/820982911946154508` → `820982911946154508` (the webhooks' id)."""
    return str(gid).rsplit("/", 1)[-1]


def _time(value: Any) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
