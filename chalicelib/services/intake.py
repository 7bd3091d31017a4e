"""Webhook intake: verify, check, enqueue. No ledger work happens on the HTTP path."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from chalicelib.adapters.shopify_events import load_json
from chalicelib.domain.errors import InvalidPayload, InvalidRequest, InvalidSignature
from chalicelib.services.ports import Clock, IngestQueue, ProgramDirectory
from chalicelib.web.signatures import verify_shopify

_REQUIRED = ("topic", "webhook-id", "api-version")


@dataclass(frozen=True)
class Accepted:
    program_id: str
    webhook_id: str
    topic: str


def shopify_header(headers: Mapping[str, str], name: str) -> str | None:
    """A Shopify header in either form Shopify sends: `X-Shopify-<name>` or `Shopify-<name>`."""
    return headers.get(f"x-shopify-{name}") or headers.get(f"shopify-{name}") or None


def accept_shopify(headers: Mapping[str, str], raw_body: bytes, directory: ProgramDirectory,
                   queue: IngestQueue, clock: Clock) -> Accepted:
    headers = {k.lower(): v for k, v in headers.items()}
    shop = shopify_header(headers, "shop-domain")
    if not shop:
        raise InvalidRequest("missing X-Shopify-Shop-Domain header", code="missing_header")
    program_id = directory.program_for_shop(shop.lower())
    if program_id is None:
        raise InvalidSignature("no program is configured for this shop")
    verify_shopify(raw_body, shopify_header(headers, "hmac-sha256"), directory.shopify_secrets(program_id))
    missing = [name for name in _REQUIRED if not shopify_header(headers, name)]
    if missing:
        raise InvalidRequest(f"missing header X-Shopify-{missing[0].title()}", code="missing_header")
    try:
        body = raw_body.decode("utf-8")
        load_json(body)
    except (UnicodeDecodeError, InvalidPayload) as e:
        raise InvalidRequest("body must be a JSON object in UTF-8", code="invalid_json") from e
    envelope = {
        "v": 1,
        "source": "shopify",
        "program_id": program_id,
        "shop": shop.lower(),
        "topic": shopify_header(headers, "topic"),
        "webhook_id": shopify_header(headers, "webhook-id"),
        "event_id": shopify_header(headers, "event-id"),
        "triggered_at": shopify_header(headers, "triggered-at"),
        "api_version": shopify_header(headers, "api-version"),
        "received_at": clock.now().isoformat(),
        "body": body,
    }
    queue.put(envelope)
    return Accepted(program_id=program_id, webhook_id=str(envelope["webhook_id"]), topic=str(envelope["topic"]))
