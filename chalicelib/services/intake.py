"""Webhook intake: verify, check, enqueue. No ledger work happens on the HTTP path.

Bad input never costs us: a body is refused on its size before anything else, and a signature is checked against
the secrets of this deployment's programs (a small, known set, cached) before anything the request names (a shop,
a portal) is looked up, so a forged request makes no per-tenant lookup and leaves nothing in any cache.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.domain.errors import InvalidPayload, InvalidRequest, InvalidSignature, PayloadTooLarge
from chalicelib.services.ports.clock import Clock
from chalicelib.services.ports.intake import IngestQueue
from chalicelib.services.ports.programs import ProgramDirectory

_REQUIRED = ("topic", "webhook-id", "api-version")
# API Gateway refuses larger requests itself (413); the same limit here holds wherever the app runs.
MAX_BODY_BYTES = 10 * 1024 * 1024


class WebhookFormats(Protocol):
    """The platforms' wire formats (chalicelib/adapters/platform_formats.py): signature checks in constant time,
    each raising InvalidSignature, and the shapes of the bodies, each refusing with InvalidPayload."""

    def verify_shopify(self, raw_body: bytes, header: str | None, secrets: Iterable[bytes]) -> None: ...

    def verify_hubspot(self, headers: Mapping[str, str], method: str, uri: str, raw_body: bytes,
                       secrets: Iterable[bytes], versions: Collection[str], now_ms: int) -> None: ...

    def shopify_body(self, raw_body: bytes) -> str:
        """The body as text when it is one JSON object in UTF-8."""
        ...

    def hubspot_batch(self, raw_body: bytes) -> list[dict[str, Any]]:
        """The batch's events, each naming its portal."""
        ...

    def portal_of(self, event: Mapping[str, Any]) -> str | None: ...

    def hubspot_envelope(self, event: Mapping[str, Any], program_id: str, received_at: str) -> dict[str, Any]:
        """One event as the ingest queue carries it."""
        ...


@dataclass(frozen=True)
class Accepted:
    program_id: str
    webhook_id: str
    topic: str


def shopify_header(headers: Mapping[str, str], name: str) -> str | None:
    """A Shopify header in either form Shopify sends: `X-Shopify-<name>` or `Shopify-<name>`."""
    return headers.get(f"x-shopify-{name}") or headers.get(f"shopify-{name}") or None


def accept_shopify(headers: Mapping[str, str], raw_body: bytes, directory: ProgramDirectory,
                   queue: IngestQueue, clock: Clock, formats: WebhookFormats) -> Accepted:
    check_size(raw_body)
    headers = {k.lower(): v for k, v in headers.items()}
    shop = shopify_header(headers, "shop-domain")
    if not shop:
        raise InvalidRequest("missing X-Shopify-Shop-Domain header", code="missing_header")
    signature = shopify_header(headers, "hmac-sha256")
    if not signature:
        raise InvalidSignature("missing X-Shopify-Hmac-Sha256 header")
    verified = _shopify_verified(raw_body, signature, directory, formats)
    program_id = directory.program_for_shop(shop.lower())
    if program_id is None or program_id not in verified:
        raise InvalidSignature("no program is configured for this shop")
    missing = [name for name in _REQUIRED if not shopify_header(headers, name)]
    if missing:
        raise InvalidRequest(f"missing header X-Shopify-{missing[0].title()}", code="missing_header")
    try:
        body = formats.shopify_body(raw_body)
    except InvalidPayload as e:
        raise InvalidRequest("body must be a JSON object in UTF-8", code="invalid_json") from e
    envelope = shopify_envelope(headers, program_id, shop, body, clock.now().isoformat())
    queue.put(envelope)
    return Accepted(program_id=program_id, webhook_id=str(envelope["webhook_id"]), topic=str(envelope["topic"]))


def shopify_envelope(headers: Mapping[str, str], program_id: str, shop: str, body: str,
                     received_at: str) -> dict[str, Any]:
    """The delivery the worker applies, from a Shopify webhook's headers (lower-case names) and body."""
    return {
        "v": 1,
        "source": "shopify",
        "program_id": program_id,
        "shop": shop.lower(),
        "topic": shopify_header(headers, "topic"),
        "webhook_id": shopify_header(headers, "webhook-id"),
        "event_id": shopify_header(headers, "event-id"),
        "triggered_at": shopify_header(headers, "triggered-at"),
        "api_version": shopify_header(headers, "api-version"),
        "received_at": received_at,
        "body": body,
    }


EVENTBRIDGE_DETAIL_TYPE = "shopifyWebhook"


def is_eventbridge(message: Mapping[str, Any]) -> bool:
    """A Shopify webhook that Amazon EventBridge put on the ingest queue (infra/template.yaml ShopifyEventRule)."""
    return message.get("detail-type") == EVENTBRIDGE_DETAIL_TYPE and isinstance(message.get("detail"), dict)


def from_eventbridge(event: Mapping[str, Any], directory: ProgramDirectory) -> dict[str, Any]:
    """The same delivery as the HTTPS webhook, from the EventBridge event: the metadata carries the webhook's
    headers (named `X-Shopify-Topic`, or `topic` in some captures: matched without case and prefix), the payload its
    body. No signature: EventBridge delivers only from the partner event source the stack subscribed to.

    InvalidPayload when the event lacks what a delivery needs or names a shop no program receives (not retried)."""
    detail = event["detail"]
    metadata, payload = detail.get("metadata"), detail.get("payload")
    if not isinstance(metadata, dict) or not isinstance(payload, dict):
        raise InvalidPayload("the EventBridge event has no metadata or payload object")
    headers = {f"x-shopify-{_header_name(k)}": str(v) for k, v in metadata.items() if isinstance(v, str | int)}
    shop = shopify_header(headers, "shop-domain")
    program_id = directory.program_for_shop(shop.lower()) if shop else None
    if program_id is None:
        raise InvalidPayload("the EventBridge event names no shop this stack receives")
    missing = [name for name in _REQUIRED if not shopify_header(headers, name)]
    if missing:
        raise InvalidPayload(f"the EventBridge event's metadata has no {missing[0]}")
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return shopify_envelope(headers, program_id, str(shop), body, str(event.get("time") or ""))


def _header_name(key: str) -> str:
    name = key.lower().replace("_", "-")
    for prefix in ("x-", "shopify-"):
        name = name.removeprefix(prefix)
    return name


HUBSPOT_PATH = "/webhooks/hubspot"


@dataclass(frozen=True)
class HubSpotAccepted:
    queued: int
    ignored: int                   # events of portals no verified program owns
    program_ids: tuple[str, ...]   # the programs whose secret verified the batch


def accept_hubspot(headers: Mapping[str, str], raw_body: bytes, method: str, directory: ProgramDirectory,
                   queue: IngestQueue, clock: Clock, formats: WebhookFormats) -> HubSpotAccepted:
    """Verify the batch with the client secrets of every program (cached), then map its portals to programs and
    queue each event of a verified program's portal as its own delivery. Nothing the body names is looked up
    before the signature holds, so a forged batch costs no lookup however many portals it names."""
    check_size(raw_body)
    headers = {k.lower(): v for k, v in headers.items()}
    if not (headers.get("x-hubspot-signature-v3") or headers.get("x-hubspot-signature")):
        raise InvalidSignature("missing X-HubSpot-Signature-v3 header")
    verified = _hubspot_verified(directory.programs(), headers, method.upper(), raw_body, directory, clock, formats)
    try:
        events = formats.hubspot_batch(raw_body)
    except InvalidPayload as e:
        raise InvalidRequest(e.message, code="invalid_json") from e
    owners = {portal: directory.program_for_portal(portal)
              for portal in sorted({formats.portal_of(event) or "" for event in events})}
    received_at = clock.now().isoformat()
    owned = [(event, owners.get(formats.portal_of(event) or "")) for event in events]
    envelopes = [formats.hubspot_envelope(event, program_id, received_at) for event, program_id in owned
                 if program_id is not None and program_id in verified]
    if envelopes:
        queue.put_many(envelopes)
    return HubSpotAccepted(len(envelopes), len(events) - len(envelopes), tuple(sorted(verified)))


def check_size(raw_body: bytes) -> None:
    if len(raw_body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB")


def hubspot_uri(public_url: str) -> str:
    """The URL HubSpot calls (and signs): the API's configured public base URL and the route."""
    return public_url.rstrip("/") + HUBSPOT_PATH


def _shopify_verified(raw_body: bytes, signature: str, directory: ProgramDirectory,
                      formats: WebhookFormats) -> set[str]:
    """The programs whose Shopify secret (current or previous) signed the body; InvalidSignature when none did."""
    def signed(program_id: str) -> bool:
        secrets = directory.shopify_secrets(program_id)
        if secrets:
            formats.verify_shopify(raw_body, signature, secrets)
        return bool(secrets)

    return _verified_by(directory.programs(), signed, "signature does not match")


def _hubspot_verified(candidates: list[str], headers: Mapping[str, str], method: str, raw_body: bytes,
                      directory: ProgramDirectory, clock: Clock, formats: WebhookFormats) -> set[str]:
    now_ms = int(clock.now().timestamp() * 1000)

    def signed(program_id: str) -> bool:
        settings = directory.hubspot_settings(program_id)
        if settings.client_secrets:
            formats.verify_hubspot(headers, method, hubspot_uri(settings.public_url), raw_body,
                                   settings.client_secrets, settings.signature_versions, now_ms)
        return bool(settings.client_secrets)

    return _verified_by(candidates, signed, "no program is configured for HubSpot")


def _verified_by(programs: list[str], signed: Callable[[str], bool], none_configured: str) -> set[str]:
    """The programs whose secrets verify the request (`signed` is False for a program without secrets, and raises
    InvalidSignature when they do not match); the last refusal when none verified it."""
    verified: set[str] = set()
    failure = InvalidSignature(none_configured)
    for program_id in programs:
        try:
            if signed(program_id):
                verified.add(program_id)
        except InvalidSignature as e:
            failure = e
    if not verified:
        raise failure
    return verified
