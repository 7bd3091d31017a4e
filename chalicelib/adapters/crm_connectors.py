"""ConnectorClients: a program's HubSpot and Shopify clients, built from its settings and kept while they hold.

A client lives as long as the container and its settings: its HTTP session and, for Shopify, what it knows
of the cost bucket carry over between runs; a new token or endpoint builds a new client.
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.adapters.hubspot_api import HubSpotApi
from chalicelib.adapters.outbound_http import DEFAULT_TIMEOUT, Timeout
from chalicelib.adapters.shopify_admin import ShopifyAdmin
from chalicelib.services.ports.clock import Clock
from chalicelib.services.ports.connectors import ConnectorSettings, CrmConnectors
from chalicelib.services.ports.metrics import Metrics


class ConnectorClients:
    def __init__(self, settings: Callable[[str], ConnectorSettings], sleep: Callable[[float], None] = time.sleep,
                 timeout: Timeout = DEFAULT_TIMEOUT, clock: Clock | None = None,
                 metrics: Metrics | None = None) -> None:
        self.settings = settings
        self.metrics = metrics
        self.sleep = sleep
        self.clock = clock
        self.timeout = timeout
        self._built: dict[tuple[str, str], CrmConnectors] = {}

    def for_program(self, program_id: str) -> CrmConnectors:
        s = self.settings(program_id)
        key = (program_id, _fingerprint(repr(s), s.hubspot_access_token, s.shopify_access_token))
        if key not in self._built:
            self._built = {k: v for k, v in self._built.items() if k[0] != program_id}
            self._built[key] = self._build(s)
        return self._built[key]

    def _build(self, s: ConnectorSettings) -> CrmConnectors:
        hubspot = shopify = None
        if s.hubspot_access_token:
            hubspot = HubSpotApi(s.hubspot_api_base, s.hubspot_access_token, sleep=self.sleep, timeout=self.timeout,
                                 clock=self.clock, time_zone=_zone(s.hubspot_time_zone), metrics=self.metrics)
        if s.shopify_access_token and s.shopify_admin_api_base:
            shopify = ShopifyAdmin(s.shopify_admin_api_base, s.shopify_access_token, s.shopify_api_version,
                                   sleep=self.sleep, timeout=self.timeout, metrics=self.metrics)
        account = _fingerprint(s.hubspot_api_base, s.hubspot_access_token) if hubspot else ""
        return CrmConnectors(shop=s.shop, hubspot=hubspot, shopify=shopify, hubspot_account=account, lists=hubspot,
                             tasks=hubspot)


def _fingerprint(*parts: str) -> str:
    """Tells settings apart without keeping a token anywhere (a truncated hash of it)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name
