"""Customer events: who the member is, whether they agreed to mail, and requests to forget them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.orders import Delivery


@dataclass(frozen=True)
class CustomerChanged:
    shop: str
    customer_id: str
    email: str | None
    first_name: str | None
    as_of: datetime
    created: bool          # customers/create: enrolment, with the signup bonus
    delivery: Delivery


@dataclass(frozen=True)
class ConsentChanged:
    shop: str
    customer_id: str
    state: str             # subscribed, not_subscribed, unsubscribed, pending, redacted, invalid
    as_of: datetime
    delivery: Delivery


@dataclass(frozen=True)
class CustomerErased:
    shop: str
    customer_id: str
    reason: str            # "customers/delete" or "customers/redact"
    delivery: Delivery


@dataclass(frozen=True)
class DataRequested:
    """customers/data_request: the merchant must be able to hand the customer their data."""

    shop: str
    customer_id: str
    request_id: str
    orders_requested: tuple[str, ...]
    delivery: Delivery


@dataclass(frozen=True)
class ShopErased:
    """shop/redact: 48 hours after the app was uninstalled, everything the shop brought in must go."""

    shop: str
    delivery: Delivery
