"""A local stand-in for a Shopify store's Admin GraphQL API, on the loopback: the orders reconciliation reads.

The store keeps orders as their webhooks carry them (REST JSON). `POST /_standin/orders?topic=<topic>` records a
webhook payload as Shopify would have the order after it: `orders/*` replaces the order, `refunds/create` adds the
refund to its order, `orders/cancelled` marks it cancelled; each stamps the order's `updated_at` with the time of
the call (or `?at=`). `make webhook … DROP=1` records without delivering: a webhook Shopify never delivered.

`POST /admin/api/<version>/graphql.json` (with `X-Shopify-Access-Token`) answers the reconciliation's queries
(`orders` by `updated_at`, `order`, `refund`, connections paged by `first`/`after`) in the GraphQL shape, with a cost
extension; the engine's other calls (metafields, tags, discount codes) are answered as accepted. The orders are kept
in <data dir>/shopify/orders.json, so they survive a restart.

Run alone: python -m infra.local.shopify_standin --port 8003 --data-dir .local [--token local-shopify-token]
"""
from __future__ import annotations

import argparse
import json
import logging
import re
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

log = logging.getLogger("infra.local.shopify")
TOKEN = "local-shopify-token"  # noqa: S105  (the stand-in's own, local only)
COST = {"requestedQueryCost": 10, "actualQueryCost": 10,
        "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1990.0, "restoreRate": 100.0}}
SINCE = re.compile(r"updated_at:>='([^']+)'")
UNTIL = re.compile(r"updated_at:<'([^']+)'")


def _gid(kind: str, value: Any) -> str:
    return f"gid://shopify/{kind}/{value}"


def _legacy(gid: Any) -> str:
    return str(gid).rsplit("/", 1)[-1]


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _amount(obj: Mapping[str, Any], plain: str, money_set: str, which: str) -> str | None:
    bag = obj.get(money_set)
    money = bag.get(which) if isinstance(bag, Mapping) else None
    value = money.get("amount") if isinstance(money, Mapping) else obj.get(plain)
    return None if value is None else str(value)


def _bag(obj: Mapping[str, Any], plain: str, money_set: str) -> dict[str, Any]:
    return {"shopMoney": {"amount": _amount(obj, plain, money_set, "shop_money")},
            "presentmentMoney": {"amount": _amount(obj, plain, money_set, "presentment_money")}}


def _page(items: list[Any], variables: Mapping[str, Any], size: int) -> dict[str, Any]:
    start = int(variables.get("after") or 0)
    chunk = items[start:start + size]
    more = start + size < len(items)
    return {"nodes": chunk, "pageInfo": {"hasNextPage": more, "endCursor": str(start + size) if more else None}}


class ShopifyStore:
    """The orders, by id, as webhook payloads; their refunds inside them."""

    def __init__(self, folder: Path | None = None) -> None:
        self.file = folder / "orders.json" if folder else None
        if folder:
            folder.mkdir(parents=True, exist_ok=True)
        saved = json.loads(self.file.read_text()) if self.file and self.file.exists() else {}
        self.orders: dict[str, dict[str, Any]] = saved
        self.lock = threading.Lock()

    def record(self, topic: str, payload: Mapping[str, Any], at: datetime) -> str:
        """The order id the payload changed."""
        stamp = at.astimezone(UTC).isoformat().replace("+00:00", "Z")
        with self.lock:
            if topic == "refunds/create":
                order_id = str(payload["order_id"])
                order = self.orders[order_id]
                order["refunds"] = [r for r in order.get("refunds") or [] if str(r["id"]) != str(payload["id"])]
                order["refunds"].append(dict(payload))
                order["financial_status"] = "partially_refunded"
            else:
                order_id = str(payload["id"])
                order = {**self.orders.get(order_id, {}), **payload}
                if topic == "orders/paid" and not order.get("financial_status"):
                    order["financial_status"] = "paid"
                if topic == "orders/cancelled" and not order.get("cancelled_at"):
                    order["cancelled_at"] = stamp
                self.orders[order_id] = order
            order["updated_at"] = stamp
            self._save()
        return order_id

    def _save(self) -> None:
        if self.file is not None:
            self.file.write_text(json.dumps(self.orders, indent=1, default=str))

    def graphql(self, body: Mapping[str, Any]) -> dict[str, Any]:
        query, variables = str(body.get("query") or ""), body.get("variables") or {}
        with self.lock:
            if re.search(r"\borders\(", query):
                data: dict[str, Any] = {"orders": self._orders(str(variables.get("query") or ""), variables)}
            elif re.search(r"\border\(id", query):
                data = {"order": self._order(_legacy(variables.get("id")), variables)}
            elif re.search(r"\brefund\(id", query):
                data = {"refund": self._refund(_legacy(variables.get("id")), variables)}
            else:
                data = _accepted(query)
        return {"data": data, "extensions": {"cost": COST}}

    def _orders(self, search: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        since, until = SINCE.search(search), UNTIL.search(search)
        chosen = sorted((o for o in self.orders.values()
                         if (since is None or _when(o["updated_at"]) >= _when(since.group(1)))
                         and (until is None or _when(o["updated_at"]) < _when(until.group(1)))),
                        key=lambda o: _when(o["updated_at"]))
        nodes = [{"id": _gid("Order", o["id"]), "updatedAt": o["updated_at"], "test": bool(o.get("test")),
                  "cancelledAt": o.get("cancelled_at"),
                  "displayFinancialStatus": str(o.get("financial_status") or "pending").upper(),
                  "customer": {"id": _gid("Customer", o["customer"]["id"])} if o.get("customer") else None,
                  "refunds": [{"id": _gid("Refund", r["id"])} for r in o.get("refunds") or []]} for o in chosen]
        return _page(nodes, variables, int(variables.get("first") or 25))

    def _order(self, order_id: str, variables: Mapping[str, Any]) -> dict[str, Any] | None:
        o = self.orders.get(order_id)
        if o is None:
            return None
        customer = o.get("customer")
        subtotal = (o.get("subtotal_price_set") or {}).get("shop_money")
        lines = [{"id": _gid("LineItem", li["id"]), "title": li.get("title"), "quantity": li.get("quantity"),
                  "isGiftCard": bool(li.get("gift_card")),
                  "product": {"id": _gid("Product", li["product_id"])} if li.get("product_id") else None,
                  "originalUnitPriceSet": _bag(li, "price", "price_set"),
                  "discountAllocations": [{"allocatedAmountSet": _bag(a, "amount", "amount_set")}
                                          for a in li.get("discount_allocations") or []],
                  "taxLines": [{"priceSet": _bag(t, "price", "price_set")} for t in li.get("tax_lines") or []]}
                 for li in o.get("line_items") or []]
        return {
            "id": _gid("Order", o["id"]), "name": o.get("name"), "test": bool(o.get("test")),
            "createdAt": o.get("created_at"), "processedAt": o.get("processed_at"), "updatedAt": o["updated_at"],
            "cancelledAt": o.get("cancelled_at"),
            "displayFinancialStatus": str(o.get("financial_status") or "pending").upper(),
            "currencyCode": o.get("currency"), "presentmentCurrencyCode": o.get("presentment_currency"),
            "taxesIncluded": bool(o.get("taxes_included")),
            "subtotalPriceSet": {"shopMoney": {"amount": str(subtotal["amount"]),
                                               "currencyCode": subtotal.get("currency_code")}} if subtotal else None,
            "customer": None if not customer else {
                "id": _gid("Customer", customer["id"]), "firstName": customer.get("first_name"),
                "defaultEmailAddress": {"emailAddress": customer.get("email")} if customer.get("email") else None},
            "refunds": [{"id": _gid("Refund", r["id"])} for r in o.get("refunds") or []],
            "lineItems": _page(lines, variables, 25),
        }

    def _refund(self, refund_id: str, variables: Mapping[str, Any]) -> dict[str, Any] | None:
        for o in self.orders.values():
            for r in o.get("refunds") or []:
                if str(r["id"]) == refund_id:
                    lines = [{"lineItem": {"isGiftCard": bool((item.get("line_item") or {}).get("gift_card"))},
                              "subtotalSet": {"shopMoney": {"amount": _amount(item, "subtotal", "subtotal_set",
                                                                              "shop_money")}},
                              "totalTaxSet": {"shopMoney": {"amount": _amount(item, "total_tax", "total_tax_set",
                                                                              "shop_money") or "0.00"}}}
                             for item in r.get("refund_line_items") or []]
                    return {"id": _gid("Refund", r["id"]), "createdAt": r.get("created_at") or r.get("processed_at"),
                            "refundLineItems": _page(lines, variables, 25)}
        return None


def _accepted(query: str) -> dict[str, Any]:
    """The engine's writes (metafields, tags, discount codes), answered as done."""
    if "metafieldsSet" in query:
        return {"metafieldsSet": {"userErrors": []}, "metafieldsDelete": {"userErrors": []}}
    if "tagsAdd" in query:
        return {"tagsAdd": {"node": {"id": "gid://shopify/Customer/0"}, "userErrors": []}}
    created = re.search(r"\b(discountCode\w+Create)\b", query)
    if created:
        return {created.group(1): {"codeDiscountNode": {"id": "gid://shopify/DiscountCodeNode/1"}, "userErrors": []}}
    if "nodes(" in query:
        return {"nodes": []}
    return {}


def make_server(port: int, folder: Path | None, token: str = TOKEN,
                store: ShopifyStore | None = None) -> ThreadingHTTPServer:
    """The stand-in's HTTP server on 127.0.0.1:<port> (0: any free port); call serve_forever() to run it."""
    shop = store or ShopifyStore(folder)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/_standin/orders":
                with shop.lock:
                    self._send(200, {"orders": list(shop.orders.values())})
            else:
                self._send(404, {"errors": "Not Found"})

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = json.loads(raw, parse_float=Decimal) if raw else {}
            if parts.path == "/_standin/orders":
                query = dict(parse_qsl(parts.query))
                at = _when(query["at"]) if query.get("at") else datetime.now(UTC)
                order_id = shop.record(query.get("topic", "orders/paid"), body, at)
                self._send(200, {"order_id": order_id, "updated_at": shop.orders[order_id]["updated_at"]})
            elif parts.path.endswith("/graphql.json"):
                if self.headers.get("X-Shopify-Access-Token") != token:
                    self._send(401, {"errors": "[API] Invalid API key or access token (unrecognized login or wrong "
                                               "password)"})
                else:
                    self._send(200, shop.graphql(body))
            else:
                self._send(404, {"errors": "Not Found"})

        def _send(self, status: int, answer: Any) -> None:
            payload = json.dumps(answer, default=str).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


def start_in_thread(port: int, folder: Path | None, token: str = TOKEN,
                    store: ShopifyStore | None = None) -> ThreadingHTTPServer:
    """Serve from a daemon thread of this process: it stops when the process does."""
    server = make_server(port, folder, token, store)
    threading.Thread(target=server.serve_forever, args=(0.2,), name="shopify-standin", daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8003)
    parser.add_argument("--data-dir", type=Path, default=Path(".local"))
    parser.add_argument("--token", default=TOKEN)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    server = make_server(args.port, args.data_dir / "shopify", args.token)
    log.info("Shopify stand-in on http://127.0.0.1:%d", server.server_port)
    server.serve_forever()


if __name__ == "__main__":
    main()
