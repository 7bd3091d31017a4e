"""The event kinds the bench drives through the worker: one function per kind builds the i-th queued envelope.

An envelope has the shape the webhook intake puts on the queue (chalicelib/services/intake.py). Payloads are the
captured `orders/paid` sample with fresh ids (above 2^53, as Shopify's); each kind draws from its own id block.
To add a kind, add `(i) -> envelope` to KINDS; if its events need earlier state (a member, an order already
applied), add `(n) -> [envelopes]` to SETUP: the harness applies those first, untimed and uncounted.
"""
from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any

from infra.local.settings import REPO_ROOT, program_settings

SAMPLE = REPO_ROOT / "tests" / "events" / "shopify" / "orders-paid.2026-04.json"
RETURNING_CUSTOMERS = 50
_ORDER_BASE = 5_928_371_928_374_650_123
_CUSTOMER_BASE = 7_390_012_345_678_901_234
_LINE_BASE = 4_029_384_756_102_938_475
_BLOCK = 10**9  # ids per kind
_NAMESPACE = uuid.UUID("5d0c8c1e-3f4b-4d55-9a0e-6b656e636821")
Envelope = dict[str, Any]


@cache
def _sample() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _gid(kind: str, number: int) -> str:
    return f"gid://shopify/{kind}/{number}"


def order_payload(order_id: int, customer_id: int) -> dict[str, Any]:
    """The sample order with this order id, this customer (own email) and fresh line item ids."""
    order = copy.deepcopy(_sample())
    number = 1000 + order_id - _ORDER_BASE
    email = f"customer-{customer_id}@example.com"
    order.update(id=order_id, admin_graphql_api_id=_gid("Order", order_id), name=f"#{number}",
                 order_number=number, email=email, contact_email=email)
    order["customer"].update(id=customer_id, email=email, admin_graphql_api_id=_gid("Customer", customer_id))
    for n, line in enumerate(order["line_items"]):
        line_id = _LINE_BASE + 8 * (order_id - _ORDER_BASE) + n
        line.update(id=line_id, admin_graphql_api_id=_gid("LineItem", line_id))
    return order


def envelope(body: dict[str, Any], label: str, topic: str = "orders/paid") -> Envelope:
    """A queued delivery as the intake builds it; webhook and event ids are derived from `label`."""
    settings = program_settings({})
    return {
        "v": 1, "source": "shopify", "program_id": settings.program_id, "shop": settings.shop_domain,
        "topic": topic, "webhook_id": str(uuid.uuid5(_NAMESPACE, f"webhook:{label}")),
        "event_id": str(uuid.uuid5(_NAMESPACE, f"event:{label}")),
        "triggered_at": datetime.now(UTC).isoformat(), "api_version": "2026-04",
        "received_at": datetime.now(UTC).isoformat(), "body": json.dumps(body),
    }


def _order(block: int, order: int, customer: int, label: str) -> Envelope:
    payload = order_payload(_ORDER_BASE + block * _BLOCK + order, _CUSTOMER_BASE + block * _BLOCK + customer)
    return envelope(payload, f"{block}:{order}:{label}")


def new_customer(i: int) -> Envelope:
    return _order(1, i, i, "paid")


def returning_customer(i: int) -> Envelope:
    return _order(2, RETURNING_CUSTOMERS + i, i % RETURNING_CUSTOMERS, "paid")


def returning_customers_first_orders(n: int) -> list[Envelope]:
    return [_order(2, c, c, "paid") for c in range(min(n, RETURNING_CUSTOMERS))]


def duplicate_delivery(i: int) -> Envelope:
    """Order i again, as a redelivery with a new webhook id: the business key must make it a no-op."""
    return _order(3, i, i, "redelivered")


def duplicate_originals(n: int) -> list[Envelope]:
    return [_order(3, i, i, "paid") for i in range(n)]


def warm_up(i: int) -> Envelope:
    """Untimed traffic that brings DynamoDB Local's JIT and the client's connections up to speed."""
    return _order(9, i, i, "paid")


KINDS: dict[str, Callable[[int], Envelope]] = {
    "orders/paid": new_customer,
    "orders/paid (returning customer)": returning_customer,
    "orders/paid (duplicate delivery)": duplicate_delivery,
}
SETUP: dict[str, Callable[[int], list[Envelope]]] = {
    "orders/paid (returning customer)": returning_customers_first_orders,
    "orders/paid (duplicate delivery)": duplicate_originals,
}
