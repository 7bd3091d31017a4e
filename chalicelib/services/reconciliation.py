"""The reconciliation use case: facts a platform changed since the watermark, fed through the worker's own path.

For Shopify, each order updated in the window is compared with its account in the ledger (one read); an order whose
payment, cancellation or refunds the ledger lacks is fetched whole and applied as an `orders/updated` delivery, the
payload a webhook carries, through `apply` (services/deliveries.apply_delivery, the worker's code). For HubSpot, each
contact created in the window is applied as its `contact.creation` notification. Every effect is keyed by its
business id (order, refund, contact), so a fact that arrives by webhook as well, before or after, counts once.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from chalicelib.domain import reconciliation as rec
from chalicelib.services.orders import Outcome
from chalicelib.services.ports.ledger import LedgerRepository
from chalicelib.services.ports.metrics import RECONCILIATION_REPAIRS, Metrics
from chalicelib.services.ports.reconciliation import (
    HubSpotCreatedContacts,
    ReconciliationStore,
    ShopifyOrders,
    SourceState,
)

Apply = Callable[[Mapping[str, Any]], Outcome]
T = TypeVar("T")
KEPT_DAYS = 90                  # runs and repairs, then the table's TTL deletes them
MAX_ERRORS_NAMED = 10
ORDERS_TOPIC = "orders/updated"
CONTACT_CREATED = "contact.creation"


@dataclass(frozen=True)
class Target:
    """Where one program's facts come from and go to."""

    program_id: str
    apply: Apply
    store: ReconciliationStore
    metrics: Metrics
    settings: rec.Settings = field(default_factory=rec.Settings)
    should_stop: Callable[[], bool] = lambda: False


def reconcile_shopify(target: Target, now: datetime, shop: str, orders: ShopifyOrders,
                      ledger: LedgerRepository) -> rec.RunReport:
    def take(facts: rec.OrderFacts, report: rec.RunReport) -> bool:
        account = ledger.load_order(target.program_id, shop, facts.order_id, None).account
        missing = rec.missing_facts(facts, account)
        return bool(missing) and _repair_order(target, now, shop, facts, missing, orders, report)

    def pages(window: rec.Window, cursor: str | None) -> tuple[list[tuple[rec.OrderFacts, datetime]], str | None]:
        page = orders.orders_updated(window.since, window.until, cursor)
        return [(facts, facts.updated_at) for facts in page.orders], page.cursor

    return _run(target, rec.SHOPIFY, now, pages, take)


def _repair_order(target: Target, now: datetime, shop: str, facts: rec.OrderFacts, missing: tuple[str, ...],
                  orders: ShopifyOrders, report: rec.RunReport) -> bool:
    """Apply the order as its webhook would; True when it failed (it is read again by the next run)."""
    try:
        body = orders.order_body(facts.order_id)
        if body is None:
            return False                # deleted since it was listed: nothing left to apply
        envelope = {"v": 1, "source": "shopify", "program_id": target.program_id, "shop": shop,
                    "topic": ORDERS_TOPIC, "webhook_id": f"reconcile:{facts.order_id}:{_stamp(facts.updated_at)}",
                    "event_id": None, "triggered_at": facts.updated_at.isoformat(), "api_version": None,
                    "received_at": now.isoformat(), "body": body}
        outcome = target.apply(envelope)
    except Exception as e:
        _failed(report, facts.order_id, e)
        return True
    _count(target, report, rec.SHOPIFY, facts.order_id, missing, outcome, now)
    return False


def reconcile_hubspot(target: Target, now: datetime, portal_id: str, contacts: HubSpotCreatedContacts) -> rec.RunReport:
    def take(contact: tuple[str, datetime], report: rec.RunReport) -> bool:
        contact_id, created_at = contact
        event = {"portalId": int(portal_id), "objectId": int(contact_id), "subscriptionType": CONTACT_CREATED,
                 "occurredAt": int(created_at.timestamp() * 1000), "eventId": f"reconcile-{contact_id}"}
        envelope = {"v": 1, "source": "hubspot", "program_id": target.program_id, "topic": CONTACT_CREATED,
                    "webhook_id": f"reconcile:contact:{contact_id}", "event_id": event["eventId"],
                    "received_at": now.isoformat(), "body": json.dumps(event, separators=(",", ":"))}
        try:
            outcome = target.apply(envelope)
        except Exception as e:
            _failed(report, contact_id, e)
            return True
        _count(target, report, rec.HUBSPOT, contact_id, (rec.CONTACT,), outcome, now)
        return False

    def pages(window: rec.Window, cursor: str | None) -> tuple[list[tuple[tuple[str, datetime], datetime]],
                                                               str | None]:
        page = contacts.contacts_created(window.since, window.until, cursor)
        return [(contact, contact[1]) for contact in page.contacts], page.cursor

    return _run(target, rec.HUBSPOT, now, pages, take)


def _run(target: Target, source: str, now: datetime,
         pages: Callable[[rec.Window, str | None], tuple[list[tuple[T, datetime]], str | None]],
         take: Callable[[T, rec.RunReport], bool]) -> rec.RunReport:
    """Read the window page by page, oldest first, handing each fact to `take` (True: it failed); stop after the
    configured pages or when time is short, then store the run and the watermark the next run starts from."""
    report = rec.RunReport(source, now, rec.window(target.store.state(target.program_id, source).watermark, now,
                                                   target.settings))
    last_seen: datetime | None = None
    first_failure: datetime | None = None
    cursor: str | None = None
    for page_number in range(target.settings.max_pages):
        if report.window.empty:
            break
        items, cursor = pages(report.window, cursor)
        for item, at in items:
            report.scanned += 1
            if take(item, report) and first_failure is None:
                first_failure = at
            last_seen = at
        if cursor is None:
            break
        if page_number + 1 == target.settings.max_pages or target.should_stop():
            report.complete = False
            break
    report.watermark = rec.next_watermark(report, last_seen, first_failure)
    target.store.save_run(target.program_id, report, report.started_at + timedelta(days=KEPT_DAYS))
    return report


def _failed(report: rec.RunReport, ref: str, error: Exception) -> None:
    """Counted, and the first few named (the id and the error's class only: no payload, no personal data)."""
    report.failed += 1
    if len(report.errors) < MAX_ERRORS_NAMED:
        report.errors.append(f"{ref}: {type(error).__name__}")


def _count(target: Target, report: rec.RunReport, source: str, ref: str, facts: tuple[str, ...], outcome: Outcome,
           now: datetime) -> None:
    if outcome.status == "refused":
        report.refused += 1
    elif outcome.status == "recorded":
        report.repaired.append(rec.Repair(source=source, ref=ref, facts=facts, repaired_at=now,
                                          member_id=outcome.member_id, points=outcome.points))
        target.metrics.count(RECONCILIATION_REPAIRS, source=source)


def state(program_id: str, store: ReconciliationStore) -> list[SourceState]:
    """Each source's watermark and last run, for the admin API."""
    return [store.state(program_id, source) for source in rec.SOURCES]


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
