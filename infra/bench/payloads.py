"""Shopify payloads for the bench: the captured samples in tests/events/shopify with fresh ids, and the envelope.

Ids are above 2^53, as Shopify's. An order's line ids follow from its order id, so a refund can name the lines
of the order it refunds; a refund's id and its line ids follow from the refund id.
"""
from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime
from functools import cache
from typing import Any

from infra.local.settings import REPO_ROOT, program_settings

SAMPLES = REPO_ROOT / "tests" / "events" / "shopify"
SAMPLE = SAMPLES / "orders-paid.2026-04.json"
ORDER_BASE = 5_928_371_928_374_650_123
CUSTOMER_BASE = 7_390_012_345_678_901_234
REFUND_BASE = 890_088_186_047_892_319
_LINE_BASE = 4_029_384_756_102_938_475
_REFUND_LINE_BASE = 70_104_398_765_432_101
_TRANSACTION_BASE = 245_135_271_310_201_194
FULFILLMENT_BASE = 4_903_932_756_123_456_789
DATA_REQUEST_BASE = 9_012_345_678
BLOCK = 10**9  # ids per kind
_NAMESPACE = uuid.UUID("5d0c8c1e-3f4b-4d55-9a0e-6b656e636821")
Envelope = dict[str, Any]


@cache
def _sample(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _gid(kind: str, number: int) -> str:
    return f"gid://shopify/{kind}/{number}"


def customer_id(block: int, n: int) -> int:
    """The n-th customer of a kind's id block."""
    return CUSTOMER_BASE + block * BLOCK + n


def _email(customer_id: int) -> str:
    return f"customer-{customer_id}@example.com"


def line_id(order_id: int, n: int) -> int:
    return _LINE_BASE + 8 * (order_id - ORDER_BASE) + n


def order_payload(order_id: int, customer_id: int) -> dict[str, Any]:
    """The sample order with this order id, this customer (own email) and fresh line item ids."""
    order = copy.deepcopy(_sample(SAMPLE.name))
    number = 1000 + order_id - ORDER_BASE
    email = _email(customer_id)
    order.update(id=order_id, admin_graphql_api_id=_gid("Order", order_id), name=f"#{number}",
                 order_number=number, email=email, contact_email=email)
    order["customer"].update(id=customer_id, email=email, admin_graphql_api_id=_gid("Customer", customer_id))
    for n, line in enumerate(order["line_items"]):
        line.update(id=line_id(order_id, n), admin_graphql_api_id=_gid("LineItem", line_id(order_id, n)))
    return order


def refund_payload(order_id: int, refund_id: int) -> dict[str, Any]:
    """The sample partial refund (one sweater, and the gift card line that earns nothing) of this order."""
    refund = copy.deepcopy(_sample("refunds-create.2026-04.json"))
    offset = refund_id - REFUND_BASE
    refund.update(id=refund_id, order_id=order_id, admin_graphql_api_id=_gid("Refund", refund_id))
    for n, item in enumerate(refund["refund_line_items"]):
        item.update(id=_REFUND_LINE_BASE + 2 * offset + n, line_item_id=line_id(order_id, n))
        item["line_item"]["id"] = line_id(order_id, n)
    for transaction in refund["transactions"]:
        transaction_id = _TRANSACTION_BASE + offset
        transaction.update(id=transaction_id, order_id=order_id,
                           admin_graphql_api_id=_gid("OrderTransaction", transaction_id))
    return refund


def fulfillment_payload(order_id: int, fulfillment_id: int) -> dict[str, Any]:
    """The sample shipment (sweaters and socks) of this order."""
    fulfillment = copy.deepcopy(_sample("fulfillments-create.2026-04.json"))
    fulfillment.update(id=fulfillment_id, order_id=order_id, name=f"#{1000 + order_id - ORDER_BASE}.1",
                       admin_graphql_api_id=_gid("Fulfillment", fulfillment_id))
    for item, n in zip(fulfillment["line_items"], (0, 3), strict=True):
        item["id"] = line_id(order_id, n)
    return fulfillment


def customer_payload(customer_id: int) -> dict[str, Any]:
    """The sample `customers/create` body for this customer (own email)."""
    customer = copy.deepcopy(_sample("customers-create.2026-04.json"))
    customer.update(id=customer_id, email=_email(customer_id), admin_graphql_api_id=_gid("Customer", customer_id))
    return customer


def consent_payload(customer_id: int) -> dict[str, Any]:
    consent = copy.deepcopy(_sample("customers-email-marketing-consent-update.2026-04.json"))
    consent.update(customer_id=customer_id, email_address=_email(customer_id))
    return consent


def redact_payload(customer_id: int) -> dict[str, Any]:
    redact = copy.deepcopy(_sample("customers-redact.2026-04.json"))
    redact["shop_domain"] = program_settings({}).shop_domain
    redact["customer"].update(id=customer_id, email=_email(customer_id))
    redact["orders_to_redact"] = []
    return redact


def data_request_payload(customer_id: int, request_id: int) -> dict[str, Any]:
    """customers/data_request, shaped as the redact sample (Shopify sends both with the same fields)."""
    request = redact_payload(customer_id)
    del request["orders_to_redact"]
    request.update(orders_requested=[], data_request={"id": request_id})
    return request


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
