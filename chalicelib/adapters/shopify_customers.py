"""Shopify customer topics → domain events (customers/*, consent, and the privacy topics)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from chalicelib.adapters.shopify_events import Parser, shopify_id, shopify_time
from chalicelib.domain.customers import ConsentChanged, CustomerChanged, CustomerErased, DataRequested, ShopErased
from chalicelib.domain.errors import InvalidPayload
from chalicelib.domain.orders import Delivery


def _customer_changed(delivery: Delivery, shop: str, body: Mapping[str, Any]) -> CustomerChanged:
    return CustomerChanged(
        shop=shop, customer_id=shopify_id(body.get("id"), "id"), email=body.get("email") or None,
        first_name=body.get("first_name") or None,
        as_of=shopify_time(body.get("updated_at") or body.get("created_at"), "updated_at"),
        created=delivery.topic == "customers/create", delivery=delivery,
    )


def _consent_changed(delivery: Delivery, shop: str, body: Mapping[str, Any]) -> ConsentChanged:
    consent = body.get("email_marketing_consent")
    if not isinstance(consent, Mapping) or not isinstance(consent.get("state"), str):
        raise InvalidPayload("email_marketing_consent.state is required")
    return ConsentChanged(shop=shop, customer_id=shopify_id(body.get("customer_id"), "customer_id"),
                          state=consent["state"], as_of=_consent_time(consent, delivery), delivery=delivery)


def _consent_time(consent: Mapping[str, Any], delivery: Delivery) -> datetime:
    """When consent changed: Shopify's own stamp, else when Shopify triggered the webhook."""
    stamp = consent.get("consent_updated_at") or delivery.triggered_at
    if not stamp:
        raise InvalidPayload("consent_updated_at or X-Shopify-Triggered-At is required")
    return shopify_time(str(stamp).replace("Z", "+00:00"), "consent_updated_at")


def _customer_erased(delivery: Delivery, shop: str, body: Mapping[str, Any]) -> CustomerErased:
    customer = body.get("customer") if delivery.topic == "customers/redact" else body
    if not isinstance(customer, Mapping):
        raise InvalidPayload("customer is required")
    return CustomerErased(shop=shop, customer_id=shopify_id(customer.get("id"), "customer.id"), reason=delivery.topic,
                          delivery=delivery)


def _data_requested(delivery: Delivery, shop: str, body: Mapping[str, Any]) -> DataRequested:
    customer, request = body.get("customer"), body.get("data_request")
    if not isinstance(customer, Mapping) or not isinstance(request, Mapping):
        raise InvalidPayload("customer and data_request are required")
    return DataRequested(shop=shop, customer_id=shopify_id(customer.get("id"), "customer.id"),
                         request_id=shopify_id(request.get("id"), "data_request.id"),
                         orders_requested=tuple(shopify_id(o, "orders_requested[]")
                                                for o in body.get("orders_requested") or []),
                         delivery=delivery)


def _shop_erased(delivery: Delivery, shop: str, body: Mapping[str, Any]) -> ShopErased:
    return ShopErased(shop=shop, delivery=delivery)


CUSTOMER_PARSERS: dict[str, Parser] = {
    "customers/create": _customer_changed,
    "customers/update": _customer_changed,
    "customers_email_marketing_consent/update": _consent_changed,
    "customers/delete": _customer_erased,
    "customers/redact": _customer_erased,
    "customers/data_request": _data_requested,
    "shop/redact": _shop_erased,
}
