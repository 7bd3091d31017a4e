"""Builders for realistic platform payloads and signed requests."""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from chalicelib.adapters.webhook_signatures import shopify_signature

EVENTS = Path(__file__).parent / "events"
SHOP = "demo-shop.myshopify.com"
SECRET = b"local-shopify-secret"


def load_event(name: str) -> dict[str, Any]:
    """A captured payload, e.g. load_event("shopify/orders-paid.2026-04")."""
    return json.loads((EVENTS / f"{name}.json").read_text())


def make_order(**overrides: Any) -> dict[str, Any]:
    order = copy.deepcopy(load_event("shopify/orders-paid.2026-04"))
    order.update(overrides)
    return order


def shopify_headers(body: bytes, topic: str = "orders/paid", webhook_id: str = "wh-1", secret: bytes = SECRET,
                    shop: str = SHOP, **extra: str) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": shopify_signature(secret, body),
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-API-Version": "2026-04",
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Event-Id": f"ev-{webhook_id}",
        "X-Shopify-Triggered-At": "2026-11-20T15:15:05.123456789Z",
    }
    headers.update(extra)
    return headers


def body_of(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()
