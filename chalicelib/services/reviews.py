"""Review requests at the right time: after delivery (or a fallback after shipment), never for a refunded or
cancelled order, with links to the review destinations the merchant configures; one reminder later.

Requests are never conditioned on rating or sentiment and never incentivised (FTC 16 CFR 465).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from urllib.parse import urlencode

from chalicelib.domain import accounting as acc
from chalicelib.domain.errors import LoyaltyError
from chalicelib.domain.gates import Decision
from chalicelib.domain.messages import Message, new_message
from chalicelib.domain.program import ReviewTiming
from chalicelib.services.ports.connectors import ProductHandles
from chalicelib.services.ports.ledger import LedgerRepository
from chalicelib.services.ports.programs import MessagingSettings

REVIEW_KINDS = frozenset({"review_request", "review_reminder"})


def ready_at(account: acc.OrderAccount, timing: ReviewTiming, tags: frozenset[str]) -> datetime | None:
    """Delivery + the delay (the longest product override, else the default), or shipment + the fallback."""
    shipments = list(account.fulfillments.values())
    if not shipments:
        return None
    override = timing.delay_for(tags)
    delivered = [f.delivered_at for f in shipments if f.delivered_at]
    if delivered:
        return min(delivered) + timedelta(days=override if override is not None else timing.after_delivery_days)
    fallback = max(timing.after_fulfillment_days, override or 0)
    return min(f.created_at for f in shipments) + timedelta(days=fallback)


def review_gate(program_id: str, message: Message, ledger: LedgerRepository, timing: ReviewTiming,
                settings: MessagingSettings, now: datetime,
                shopify: ProductHandles | None = None) -> tuple[Decision | None, Message]:
    """A decision when the order says no or not yet; else the message with its review links filled in."""
    data = message.data
    products = [tuple(p) for p in data["products"]]
    read = ledger.load_order(program_id, data["shop"], data["order_id"], None, [p for p, _ in products])
    account = read.account
    if account is None or account.cancelled_at is not None or acc.fully_refunded(account):
        return Decision("skip", "the order was refunded or cancelled"), message
    if account.reviewed_at is not None:
        return Decision("skip", "a review was recorded for this order"), message
    if message.kind == "review_request":
        tags = frozenset().union(*read.product_tags.values()) if read.product_tags else frozenset()
        ready = ready_at(account, timing, tags)
        if ready is None or ready > now:
            return Decision("defer", "waiting for delivery, or for the fallback delay after shipment",
                            ready or now + timedelta(days=1)), message
    handles = {**read.product_handles, **_missing_handles(products, read.product_handles, settings, shopify)}
    store = settings.store_url or f"https://{data['shop']}"
    items = [{"title": title, "url": review_link(settings.review_url, store, pid, title, handles.get(pid))}
             for pid, title in products]
    return None, replace(message, data={**data, "items": items})


def review_link(template: str, store: str, product_id: str, title: str, handle: str | None) -> str:
    """The review destination; a link that needs the product's handle, which is unknown (products created
    before the app was installed never sent products/create), goes to the storefront's search for the product."""
    if handle is None and "{handle}" in template:
        return f"{store.rstrip('/')}/search?{urlencode({'q': title, 'type': 'product'})}"
    return template.format(store=store, product_id=product_id, handle=handle or product_id)


def _missing_handles(products: list[tuple[str, ...]], known: dict[str, str], settings: MessagingSettings,
                     shopify: ProductHandles | None) -> dict[str, str]:
    """Handles the products/* topics never told us, from the Shopify Admin API when it is connected."""
    missing = [pid for pid, _ in products if pid not in known]
    if not missing or shopify is None or "{handle}" not in settings.review_url:
        return {}
    try:
        return shopify.product_handles(missing)
    except LoyaltyError:            # Shopify unavailable: the links fall back to the storefront search
        return {}


def reminder_for(request: Message, timing: ReviewTiming, now: datetime) -> Message:
    data = {k: v for k, v in request.data.items() if k != "items"}
    return new_message(f"review_reminder:{request.message_id}", request.member_id, "review_reminder",
                       now + timedelta(days=timing.reminder_days), data)
