"""What the platforms send, read into what the services take: webhook signatures and bodies (Shopify, HubSpot),
the ingest queue's envelopes and SES's bounce, complaint, delivery and open notices.

Each wire format stays in its own module; PlatformFormats is the one object the composition root hands the webhook
intake (services/intake.py `WebhookFormats`), the worker's use case (services/deliveries.py `DeliveryReader`) and
the queue handlers (chalicelib/jobs/worker.py).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.adapters import hubspot_events, shopify_topics, sqs_queue, webhook_signatures
from chalicelib.adapters.ses_engagement import parse_engagement
from chalicelib.adapters.ses_feedback import parse_feedback
from chalicelib.adapters.shopify_events import load_json
from chalicelib.domain.errors import InvalidPayload
from chalicelib.domain.hubspot import HubSpotEvent
from chalicelib.domain.orders import Delivery


def delivery_of(envelope: Mapping[str, Any]) -> Delivery:
    try:
        return Delivery(source=envelope["source"], topic=envelope["topic"], webhook_id=envelope["webhook_id"],
                        event_id=envelope.get("event_id"), triggered_at=envelope.get("triggered_at"))
    except (KeyError, TypeError) as e:
        raise InvalidPayload("queued delivery lacks source, topic or webhook_id") from e


class PlatformFormats:
    verify_shopify = staticmethod(webhook_signatures.verify_shopify)
    verify_hubspot = staticmethod(webhook_signatures.verify_hubspot)
    hubspot_batch = staticmethod(hubspot_events.load_batch)
    portal_of = staticmethod(hubspot_events.portal_of)
    hubspot_envelope = staticmethod(hubspot_events.hubspot_envelope)
    open_envelope = staticmethod(sqs_queue.open_envelope)
    mail_feedback = staticmethod(parse_feedback)
    mail_engagement = staticmethod(parse_engagement)

    @staticmethod
    def shopify_body(raw_body: bytes) -> str:
        """The body as text when it is one JSON object in UTF-8 (strict, depth-bounded); InvalidPayload otherwise."""
        try:
            body = raw_body.decode("utf-8")
        except UnicodeDecodeError as e:
            raise InvalidPayload("body must be a JSON object in UTF-8") from e
        load_json(body)
        return body

    @staticmethod
    def shopify_event(envelope: Mapping[str, Any]) -> object | None:
        """The domain event a queued Shopify delivery carries, or None for a topic the engine does not act on."""
        return shopify_topics.parse_event(delivery_of(envelope), envelope["shop"], load_json(envelope["body"]))

    @staticmethod
    def hubspot_event(envelope: Mapping[str, Any]) -> HubSpotEvent:
        """The domain event of one queued HubSpot notification."""
        return hubspot_events.parse_event(load_json(envelope["body"]), envelope["webhook_id"])
