"""The worker's use case: turn one queued webhook delivery into a domain event and apply it."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.adapters.shopify_events import load_json, parse_event
from chalicelib.domain.accounting import Policy
from chalicelib.domain.errors import InvalidPayload
from chalicelib.domain.orders import Delivery, OrderUpdate, RefundCreated
from chalicelib.domain.rules import DEFAULT_RULE
from chalicelib.services.orders import Outcome, apply_order_update, apply_refund
from chalicelib.services.ports import Clock, LedgerRepository


def delivery_of(envelope: Mapping[str, Any]) -> Delivery:
    try:
        return Delivery(source=envelope["source"], topic=envelope["topic"], webhook_id=envelope["webhook_id"],
                        event_id=envelope.get("event_id"), triggered_at=envelope.get("triggered_at"))
    except (KeyError, TypeError) as e:
        raise InvalidPayload("queued delivery lacks source, topic or webhook_id") from e


def apply_delivery(envelope: Mapping[str, Any], ledger: LedgerRepository, clock: Clock) -> Outcome:
    delivery = delivery_of(envelope)
    program_id = envelope["program_id"]
    event = parse_event(delivery, envelope["shop"], load_json(envelope["body"]))
    if isinstance(event, OrderUpdate):
        return apply_order_update(event, program_id, DEFAULT_RULE, Policy(), ledger, clock)
    if isinstance(event, RefundCreated):
        return apply_refund(event, program_id, Policy(), ledger, clock)
    return Outcome("skipped", "topic_not_handled")
