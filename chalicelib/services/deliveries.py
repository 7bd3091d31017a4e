"""The worker's use case: turn one queued webhook delivery into a domain event and apply it."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from chalicelib.domain.customers import ConsentChanged, CustomerChanged, CustomerErased, DataRequested, ShopErased
from chalicelib.domain.errors import InvalidPayload
from chalicelib.domain.hubspot import HubSpotEvent
from chalicelib.domain.orders import FulfillmentChanged, OrderUpdate, ProductChanged, RefundCreated
from chalicelib.services.customers import apply_consent, apply_customer_change, apply_erasure, record_data_request
from chalicelib.services.hubspot_events import apply_hubspot_delivery
from chalicelib.services.hubspot_members import HubSpotContext
from chalicelib.services.orders import Outcome, apply_fulfillment, apply_order_update, apply_refund
from chalicelib.services.ports.clock import Clock
from chalicelib.services.ports.intake import RefusedDeliveries, RefusedDelivery
from chalicelib.services.ports.ledger import LedgerRepository, ProductCatalog
from chalicelib.services.ports.profiles import DataRequests, Profiles
from chalicelib.services.ports.programs import RulesSource
from chalicelib.services.ports.rewards import RewardCatalog
from chalicelib.services.shops import ShopData, record_shop_erasure

REFUSED_KEPT_DAYS = 30      # then the table's TTL (expires_at) deletes the record
REASON_LENGTH = 200


class DeliveryReader(Protocol):
    """A queued delivery's payload → its domain event (chalicelib/adapters/platform_formats.py); InvalidPayload for
    a payload that can never be one."""

    def shopify_event(self, envelope: Mapping[str, Any]) -> object | None:
        """None for a topic the engine does not act on."""
        ...

    def hubspot_event(self, envelope: Mapping[str, Any]) -> HubSpotEvent: ...


def apply_delivery(envelope: Mapping[str, Any], formats: DeliveryReader, ledger: LedgerRepository,
                   profiles: Profiles, rules: RulesSource, requests: DataRequests, shops: ShopData,
                   products: ProductCatalog, clock: Clock,
                   rewards: RewardCatalog | None = None,
                   hubspot: Callable[[str], HubSpotContext] | None = None,
                   refused: RefusedDeliveries | None = None) -> Outcome:
    """Apply one queued delivery. With `refused`, a payload that can never apply (InvalidPayload: a retry would fail
    the same way) is recorded there and answered `Outcome("refused", reason)` instead of raising; any other error
    still raises, so that the queue tries the delivery again."""
    try:
        if envelope.get("source") == "hubspot":
            return apply_hubspot_delivery(formats.hubspot_event(envelope), envelope, hubspot, ledger, profiles, rules,
                                          clock)
        return _apply_shopify(envelope, formats, ledger, profiles, rules, requests, shops, products, clock, rewards)
    except InvalidPayload as e:
        program_id = envelope.get("program_id")
        if refused is None or not isinstance(program_id, str) or not program_id:
            raise                   # no program to file it under: the queue's DLQ keeps it
        return refuse_delivery(program_id, envelope, e.message, refused, clock)


def refuse_delivery(program_id: str, envelope: Mapping[str, Any], reason: str, refused: RefusedDeliveries,
                    clock: Clock) -> Outcome:
    """Record why the delivery can never apply (no payload, no personal data), kept for REFUSED_KEPT_DAYS."""
    now = clock.now()
    record = RefusedDelivery(source=_text(envelope.get("source")), topic=_text(envelope.get("topic")),
                             webhook_id=_text(envelope.get("webhook_id")),
                             received_at=_received_at(envelope.get("received_at"), now), refused_at=now,
                             reason=reason[:REASON_LENGTH])
    refused.record(program_id, record, now + timedelta(days=REFUSED_KEPT_DAYS))
    return Outcome("refused", record.reason)


def _text(value: object) -> str:
    return value[:REASON_LENGTH] if isinstance(value, str) else ""


def _received_at(value: object, default: datetime) -> datetime:
    """When the ingress accepted the delivery (it stamps the envelope); the refusal's time otherwise."""
    try:
        stamp = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        stamp = None
    return stamp if stamp is not None and stamp.tzinfo is not None else default


def _apply_shopify(envelope: Mapping[str, Any], formats: DeliveryReader, ledger: LedgerRepository,
                   profiles: Profiles, rules: RulesSource, requests: DataRequests, shops: ShopData,
                   products: ProductCatalog, clock: Clock, rewards: RewardCatalog | None) -> Outcome:
    program_id = envelope["program_id"]
    event = formats.shopify_event(envelope)
    match event:
        case OrderUpdate():
            return apply_order_update(event, program_id, rules, ledger, clock, rewards)
        case RefundCreated():
            return apply_refund(event, program_id, rules, ledger, clock)
        case FulfillmentChanged():
            return apply_fulfillment(event, program_id, rules, ledger, clock)
        case ProductChanged():
            applied = products.set_tags(program_id, event.shop, event.product_id, event.tags, event.as_of,
                                        event.handle)
            return Outcome("recorded" if applied else "unchanged", "product_tags")
        case CustomerChanged():
            return apply_customer_change(event, program_id, rules.rules_at(program_id, event.as_of), ledger,
                                         profiles, clock)
        case ConsentChanged():
            return apply_consent(event, program_id, profiles)
        case CustomerErased():
            return apply_erasure(event, program_id, profiles, clock)
        case DataRequested():
            return record_data_request(event, program_id, requests, clock)
        case ShopErased():
            return record_shop_erasure(event, program_id, shops, clock)
    return Outcome("skipped", "topic_not_handled")
