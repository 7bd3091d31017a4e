"""The event kinds the bench drives through the worker: one function per kind builds the i-th queued envelope.

An envelope has the shape the webhook intake puts on the queue (chalicelib/services/intake.py). Payloads are the
captured samples with fresh ids (payloads.py); each kind draws from its own id block (orders 1-8, warm-up 9,
customers 10-13 in customer_kinds.py, orders a month later 15, the job bench's population 20, the order-cost
section 30-34). To add a kind, add `(i) -> envelope` to KINDS; if its events need earlier state (a member, an order
already applied), add `(n) -> [envelopes]` to SETUP: the harness applies those first, untimed and uncounted.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from infra.bench.customer_kinds import CUSTOMER_KINDS, CUSTOMER_SETUP
from infra.bench.payloads import (
    BLOCK,
    FULFILLMENT_BASE,
    ORDER_BASE,
    REFUND_BASE,
    Envelope,
    customer_id,
    envelope,
    fulfillment_payload,
    order_payload,
    refund_payload,
)

RETURNING_CUSTOMERS = 50
_CANCELLED_AT = "2026-11-21T09:00:00-05:00"
# A month after the sample order's day (2026-11-20): another purchase day, so the journey moves (first_time → repeat).
_NEXT_MONTH = {"created_at": "2026-12-21T11:20:07-05:00", "processed_at": "2026-12-21T11:20:07-05:00",
               "updated_at": "2026-12-21T11:20:10-05:00"}


def _ids(block: int, order: int, customer: int) -> tuple[int, int]:
    return ORDER_BASE + block * BLOCK + order, customer_id(block, customer)


def _order(block: int, order: int, customer: int, label: str, topic: str = "orders/paid",
           **fields: Any) -> Envelope:
    payload = order_payload(*_ids(block, order, customer))
    payload.update(fields)
    return envelope(payload, f"{block}:{order}:{label}", topic)


def _refund(block: int, i: int) -> dict[str, Any]:
    return refund_payload(_ids(block, i, i)[0], REFUND_BASE + block * BLOCK + i)


def _refund_created(block: int, i: int) -> Envelope:
    return envelope(_refund(block, i), f"{block}:{i}:refund", "refunds/create")


def new_customer(i: int) -> Envelope:
    return _order(1, i, i, "paid")


def returning_customer(i: int) -> Envelope:
    return _order(2, RETURNING_CUSTOMERS + i, i % RETURNING_CUSTOMERS, "paid")


def returning_customers_first_orders(n: int) -> list[Envelope]:
    return [_order(2, c, c, "paid") for c in range(min(n, RETURNING_CUSTOMERS))]


def first_order(block: int, i: int) -> Envelope:
    """Customer i's first order (of the sample's day) in an id block."""
    return _order(block, i, i, "paid")


def order_a_month_later(block: int, i: int) -> Envelope:
    """Customer i's second order, a month after `first_order(block, i)`."""
    return _order(block, BLOCK // 2 + i, i, "paid", **_NEXT_MONTH)


def duplicate_delivery(i: int) -> Envelope:
    """Order i again, as a redelivery with a new webhook id: the business key must make it a no-op."""
    return _order(3, i, i, "redelivered")


def duplicate_originals(n: int) -> list[Envelope]:
    return [_order(3, i, i, "paid") for i in range(n)]


def refund(i: int) -> Envelope:
    """A partial refund (one sweater) of paid order i: clawback in proportion, from a member read by id."""
    return _refund_created(4, i)


def refunded_orders(n: int) -> list[Envelope]:
    return [_order(4, i, i, "paid") for i in range(n)]


def refund_carried_again(i: int) -> Envelope:
    """orders/updated of order i whose refunds[] repeats the refund already applied: must write nothing."""
    return _order(5, i, i, "updated", "orders/updated", financial_status="partially_refunded",
                  refunds=[_refund(5, i)], updated_at="2026-11-22T09:30:05-05:00")


def paid_then_refunded(n: int) -> list[Envelope]:
    return [e for i in range(n) for e in (_order(5, i, i, "paid"), _refund_created(5, i))]


def cancelled(i: int) -> Envelope:
    """orders/cancelled of paid order i (cancelled without a refund): the whole award is reversed."""
    return _order(6, i, i, "cancelled", "orders/cancelled", cancelled_at=_CANCELLED_AT, cancel_reason="customer",
                  updated_at=_CANCELLED_AT)


def paid_orders_to_cancel(n: int) -> list[Envelope]:
    return [_order(6, i, i, "paid") for i in range(n)]


def paid_after_refund(i: int) -> Envelope:
    """orders/paid of order i whose refund was applied first: the award comes net of the remembered refund."""
    return _order(7, i, i, "paid")


def refunds_before_payment(n: int) -> list[Envelope]:
    return [_refund_created(7, i) for i in range(n)]


def fulfillment(i: int) -> Envelope:
    """fulfillments/create of paid order i: the shipment is recorded on the order's account."""
    order_id = _ids(8, i, i)[0]
    return envelope(fulfillment_payload(order_id, FULFILLMENT_BASE + 8 * BLOCK + i), f"8:{i}:fulfillment",
                    "fulfillments/create")


def orders_to_fulfil(n: int) -> list[Envelope]:
    return [_order(8, i, i, "paid") for i in range(n)]


def warm_up(i: int) -> Envelope:
    """Untimed traffic that brings DynamoDB Local's JIT and the client's connections up to speed."""
    return _order(9, i, i, "paid")


KINDS: dict[str, Callable[[int], Envelope]] = {
    "orders/paid": new_customer,
    "orders/paid (returning customer)": returning_customer,
    "orders/paid (returning customer a month later)": lambda i: order_a_month_later(15, i),
    "orders/paid (duplicate delivery)": duplicate_delivery,
    "refunds/create": refund,
    "orders/updated (refund carried again)": refund_carried_again,
    "orders/cancelled": cancelled,
    "orders/paid (refund arrived first)": paid_after_refund,
    "fulfillments/create": fulfillment,
    **CUSTOMER_KINDS,
}
SETUP: dict[str, Callable[[int], list[Envelope]]] = {
    "orders/paid (returning customer)": returning_customers_first_orders,
    "orders/paid (returning customer a month later)": lambda n: [first_order(15, i) for i in range(n)],
    "orders/paid (duplicate delivery)": duplicate_originals,
    "refunds/create": refunded_orders,
    "orders/updated (refund carried again)": paid_then_refunded,
    "orders/cancelled": paid_orders_to_cancel,
    "orders/paid (refund arrived first)": refunds_before_payment,
    "fulfillments/create": orders_to_fulfil,
    **CUSTOMER_SETUP,
}
