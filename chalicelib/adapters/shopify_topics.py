"""Which Shopify topics the engine acts on, and the parser of each."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.adapters.shopify_customers import CUSTOMER_PARSERS
from chalicelib.adapters.shopify_events import ORDER_PARSERS, Parser
from chalicelib.domain.orders import Delivery

PARSERS: dict[str, Parser] = {**ORDER_PARSERS, **CUSTOMER_PARSERS}


def parse_event(delivery: Delivery, shop: str, body: Mapping[str, Any]) -> object | None:
    """The domain event a delivery carries, or None for a topic the engine does not act on."""
    parser = PARSERS.get(delivery.topic)
    return parser(delivery, shop, body) if parser else None
