"""Outbound connectors (HubSpot contacts, Shopify Admin) and the CRM sync's state."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from chalicelib.domain.ledger import Member
from chalicelib.services.ports.crm_lists import HubSpotLists
from chalicelib.services.ports.hubspot import HubSpotTasks
from chalicelib.services.ports.offers import CustomerTags


@dataclass(frozen=True)
class ContactUpdate:
    """New values for one HubSpot contact, addressed by contact id or else by email; `ref` is the caller's key."""

    ref: str
    properties: dict[str, str]            # values are strings; an empty string clears the property
    contact_id: str | None = None
    email: str | None = None


@dataclass
class BatchOutcome:
    ok: list[str] = field(default_factory=list)              # refs written
    failed: dict[str, str] = field(default_factory=dict)     # ref → reason (error category, no personal data)
    missing: list[str] = field(default_factory=list)         # refs whose contact does not exist (not retried)

    def merge(self, other: BatchOutcome) -> None:
        self.ok += other.ok
        self.failed |= other.failed
        self.missing += other.missing


@dataclass(frozen=True)
class CrmProperty:
    name: str
    label: str
    kind: str                             # "number", "decimal", "text", "date" or "choice" (one of `options`)
    group: str
    description: str = ""
    options: tuple[tuple[str, str], ...] = ()     # a choice's (value, label) pairs, in display order


class CrmContacts(Protocol):
    """The HubSpot side of the CRM sync."""

    def ensure_property_group(self, name: str, label: str) -> bool: ...

    def ensure_properties(self, specs: Sequence[CrmProperty]) -> list[str]: ...

    def update_contacts(self, inputs: Sequence[ContactUpdate]) -> BatchOutcome:
        """Raises DailyLimitReached (stop until its retry_at), ConnectorUnavailable or ConnectorRejected."""
        ...


@dataclass(frozen=True)
class MetafieldWrite:
    """One value for a Shopify customer's metafield in the `loyalty` namespace; an empty value deletes it."""

    customer_id: str
    key: str
    kind: str                             # "number", "decimal", "text", "date" or "choice"
    value: str


@dataclass(frozen=True)
class MetafieldError:
    customer_id: str
    key: str | None                       # None: refused with the rest of its (atomic) call
    code: str
    message: str


class CustomerMetafields(Protocol):
    def set_metafields(self, metafields: Sequence[MetafieldWrite]) -> list[MetafieldError]: ...


@dataclass(frozen=True)
class DiscountSpec:
    """A single-use discount code for one Shopify customer (a redeemed reward)."""

    title: str
    code: str
    customer_id: str
    starts_at: datetime
    ends_at: datetime | None
    kind: str                             # "fixed_amount", "percentage" (value 1–100) or "free_shipping"
    value: Decimal | None
    minimum_subtotal: Decimal | None = None


class DiscountCodes(Protocol):
    def create_discount_code(self, spec: DiscountSpec) -> str:
        """The codeDiscountNode id. ConnectorRejected (with Shopify's messages) or ConnectorUnavailable."""
        ...


@dataclass(frozen=True)
class ConnectorSettings:
    """Where a program's outbound connectors call and with which tokens; an empty token turns one off."""

    shop: str
    hubspot_api_base: str = "https://api.hubapi.com"
    shopify_admin_api_base: str = ""
    hubspot_time_zone: str = "UTC"                        # the HubSpot account's: its daily limit resets at midnight
    shopify_api_version: str = "2025-10"
    hubspot_access_token: str = field(default="", repr=False)
    shopify_access_token: str = field(default="", repr=False)

    @property
    def syncs(self) -> bool:
        """A connector to sync members to: a HubSpot token, or a Shopify token and its Admin API (as the
        connector clients are built)."""
        return bool(self.hubspot_access_token or (self.shopify_access_token and self.shopify_admin_api_base))


class ProductHandles(Protocol):
    def product_handles(self, product_ids: Sequence[str]) -> dict[str, str]:
        """The storefront handle of each product Shopify knows (for review links); raises LoyaltyError."""
        ...


class ShopifyAdminApi(CustomerMetafields, DiscountCodes, ProductHandles, CustomerTags, Protocol):
    """The Shopify Admin calls the engine makes: loyalty metafields, reward discount codes, product handles,
    customer tags (offers)."""


@dataclass(frozen=True)
class CrmConnectors:
    """A program's outbound CRM clients; None where the program has no credentials."""

    shop: str
    hubspot: CrmContacts | None = None
    shopify: ShopifyAdminApi | None = None
    hubspot_account: str = ""        # changes with the HubSpot account or token (its properties are set up again)
    lists: HubSpotLists | None = None    # the same HubSpot client, for the static lists mirroring segments
    tasks: HubSpotTasks | None = None    # the same HubSpot client, for the follow-up tasks of unhappy answers


class ConnectorFactory(Protocol):
    def for_program(self, program_id: str) -> CrmConnectors: ...


@dataclass(frozen=True)
class ConnectorStatus:
    """How a member's last sync to one connector went."""

    status: str                      # "ok", "failed", "skipped", "not configured" (shown: "pending", "never synced")
    at: datetime | None = None
    error: str | None = None         # a reason without personal data
    attempts: int = 0                # failures in a row


@dataclass(frozen=True)
class DirtyMember:
    member_id: str
    member: Member | None
    changes: int                     # the mark's change count when read: cleared only if it is still that
    statuses: dict[str, ConnectorStatus]
    last_review_request: datetime | None = None


@dataclass(frozen=True)
class MemberSync:
    due_at: datetime | None          # set while changes wait for the sync
    statuses: dict[str, ConnectorStatus]


@dataclass(frozen=True)
class ConnectorState:
    ready_for: str | None = None     # the account whose properties were set up
    paused_until: datetime | None = None


class CrmSyncStore(Protocol):
    def load(self, program_id: str, member_ids: Sequence[str]) -> list[DirtyMember]: ...

    def record(self, program_id: str, statuses: dict[str, dict[str, ConnectorStatus]]) -> None:
        """Each member's status per connector (member id → connector → status)."""
        ...

    def clear(self, program_id: str, member_id: str, changes: int) -> bool:
        """Drop the mark unless the member changed again since it was read (then it stays due)."""
        ...

    def retry_at(self, program_id: str, member_id: str, at: datetime, now: datetime) -> None: ...

    def sync_status(self, program_id: str, member_id: str) -> MemberSync: ...

    def connector_state(self, program_id: str, connector: str) -> ConnectorState: ...

    def set_ready(self, program_id: str, connector: str, account: str, at: datetime) -> None: ...

    def pause(self, program_id: str, connector: str, until: datetime) -> None: ...
