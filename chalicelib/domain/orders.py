"""Orders as the ledger sees them: what was bought, for how much, by whom."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from chalicelib.domain.money import Money


@dataclass(frozen=True)
class Delivery:
    """Where a platform event came from; recorded on every ledger entry it causes."""

    source: str
    topic: str
    webhook_id: str
    event_id: str | None = None
    triggered_at: str | None = None


@dataclass(frozen=True)
class CustomerRef:
    customer_id: str
    email: str | None = None
    first_name: str | None = None


@dataclass(frozen=True)
class LineAmounts:
    """A line's amounts in one currency: unit price, total discount allocated to it, total tax on it."""

    unit_price: Decimal
    discount: Decimal
    tax: Decimal


@dataclass(frozen=True)
class OrderLine:
    line_id: str
    product_id: str | None
    quantity: int
    shop: LineAmounts
    presentment: LineAmounts
    gift_card: bool
    title: str = ""


@dataclass(frozen=True)
class Order:
    shop: str
    order_id: str
    name: str
    currency: str
    presentment_currency: str
    processed_at: datetime
    customer: CustomerRef | None
    lines: tuple[OrderLine, ...]
    taxes_included: bool = False
    test: bool = False
    subtotal: Money | None = None


@dataclass(frozen=True)
class Refund:
    refund_id: str
    order_id: str
    subtotal: Decimal     # refunded merchandise in shop money, gift-card lines left out
    tax: Decimal
    created_at: datetime


@dataclass(frozen=True)
class OrderUpdate:
    """What an order topic says: whether the order is paid, whether it was cancelled, the refunds it carries."""

    order: Order
    delivery: Delivery
    paid: bool
    cancelled_at: datetime | None
    refunds: tuple[Refund, ...] = ()


@dataclass(frozen=True)
class RefundCreated:
    shop: str
    refund: Refund
    delivery: Delivery


@dataclass(frozen=True)
class FulfillmentChanged:
    shop: str
    order_id: str
    fulfillment_id: str
    status: str
    shipment_status: str | None
    created_at: datetime
    updated_at: datetime
    line_ids: tuple[str, ...]
    delivery: Delivery


@dataclass(frozen=True)
class ProductChanged:
    """products/create, products/update: the tags earning rules may exclude (products/delete: none left)."""

    shop: str
    product_id: str
    tags: frozenset[str]
    as_of: datetime
    delivery: Delivery
    handle: str | None = None
