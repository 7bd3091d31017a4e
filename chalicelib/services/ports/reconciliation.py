"""What reconciliation reads from the platforms, and where it keeps its watermarks, runs and repairs."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.domain.reconciliation import OrderFacts, Repair, RunReport


@dataclass(frozen=True)
class OrderPage:
    orders: list[OrderFacts]            # ascending by updated_at
    cursor: str | None                  # the next page's; None on the last


@dataclass(frozen=True)
class ContactPage:
    contacts: list[tuple[str, datetime]]    # (contact id, created at), ascending by creation
    cursor: str | None


class ShopifyOrders(Protocol):
    """The Shopify Admin GraphQL API's orders, paced by its cost throttle (the client waits for the bucket)."""

    def orders_updated(self, since: datetime, until: datetime, cursor: str | None) -> OrderPage:
        """Orders updated in [since, until), oldest update first."""
        ...

    def order_body(self, order_id: str) -> str | None:
        """The order as its `orders/updated` webhook would carry it (refunds included), as JSON text; None when it
        is gone."""
        ...


class HubSpotCreatedContacts(Protocol):
    def contacts_created(self, since: datetime, until: datetime, cursor: str | None) -> ContactPage:
        """Contacts created in [since, until), oldest first (the CRM search API)."""
        ...


@dataclass(frozen=True)
class RunRecord:
    """A stored run: its window and counts."""

    started_at: datetime
    since: datetime
    until: datetime
    scanned: int
    repaired: int
    refused: int
    failed: int
    complete: bool


@dataclass(frozen=True)
class SourceState:
    source: str
    watermark: datetime | None
    last_run: RunRecord | None


class ReconciliationStore(Protocol):
    def state(self, program_id: str, source: str) -> SourceState: ...

    def save_run(self, program_id: str, report: RunReport, keep_until: datetime) -> None:
        """The run (and its watermark, when it has one) and each repair, kept until `keep_until`."""
        ...

    def repairs(self, program_id: str, cursor: str | None, limit: int) -> tuple[list[Repair], str | None]:
        """Newest first, and the next page's cursor."""
        ...
