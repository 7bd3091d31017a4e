"""The ports services depend on; adapters implement them, tests pass fakes."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from chalicelib.domain.accounting import OrderAccount
from chalicelib.domain.audit import AuditRecord
from chalicelib.domain.gates import MessagingPolicy
from chalicelib.domain.ledger import Identity, LedgerEntry, LedgerPage, Member, MemberHints
from chalicelib.domain.merges import MemberMerge
from chalicelib.domain.messages import Message
from chalicelib.domain.program import ProgramRules
from chalicelib.domain.tiers import TierChange


class Clock(Protocol):
    def now(self) -> datetime: ...


class OrderRead(NamedTuple):
    account: OrderAccount | None
    member: Member | None
    product_tags: dict[str, frozenset[str]] = {}   # noqa: RUF012  (read-only)
    product_handles: dict[str, str] = {}           # noqa: RUF012  (storefront handles, for review links)


class ProductCatalog(Protocol):
    def set_tags(self, program_id: str, shop: str, product_id: str, tags: frozenset[str], as_of: datetime,
                 handle: str | None = None) -> bool:
        """Remember a product's tags (newest first wins); False when the change was stale."""
        ...


@dataclass(frozen=True)
class MemberChange:
    """What a change does to its member besides the balances: spend toward tiers, a tier move, activity."""

    expected_version: int | None          # the profile version that was read; None when there was no profile
    spend_month: str | None = None
    spend_delta: Decimal = Decimal(0)
    tier_change: TierChange | None = None
    activity_at: datetime | None = None
    inactivity_expiry_at: datetime | None = None
    clear_due: tuple[str, ...] = ()       # due-work tasks of the member that are done
    check_version: bool = True            # False: commutative changes only (ADDs), no read profile to guard
    messages: tuple[Message, ...] = ()    # created in the same transaction as the change that causes them
    spend_credit: int = 0                 # points spent (redeemed) not yet set against award lots (FIFO)
    require_balance: int | None = None    # the spendable balance must cover this, checked in the transaction


class LedgerRepository(Protocol):
    def append(self, program_id: str, identity: Identity, hints: MemberHints, entry: LedgerEntry,
               change: MemberChange | None = None) -> str:
        """Record a one-off fact for the member behind the identity, creating the member if needed.

        Returns the member id. Raises DuplicateEntry when the entry's business fact is already recorded.
        """
        ...

    def load_order(self, program_id: str, shop: str, order_id: str, member_id: str | None,
                   product_ids: Sequence[str] = ()) -> OrderRead:
        """The order's account, its member's profile and the tags of the given products, in one round trip."""
        ...

    def commit_order(self, program_id: str, account: OrderAccount, previous_version: int | None,
                     entries: Sequence[LedgerEntry], identity: Identity | None, hints: MemberHints,
                     member: MemberChange | None = None, *, now: datetime) -> None:
        """Store the account and its entries atomically; ConcurrentChange if the account moved meanwhile.

        `now` (the caller's clock) files the account's due work in the Due index.
        """
        ...

    def commit_member(self, program_id: str, member_id: str, entries: Sequence[LedgerEntry],
                      change: MemberChange, now: datetime) -> None:
        """Member-level work (expiry, tier reviews); ConcurrentChange if the profile moved since it was read."""
        ...

    def merge_members(self, program_id: str, plan: MemberMerge, target_primary: Identity, audit: AuditRecord) -> None:
        """Absorb `plan.source` into the target at once (entries, balances, links, audit record).

        DuplicateEntry when the source was merged before; ConcurrentChange when either member moved since read.
        """
        ...

    def find_by_email(self, program_id: str, email: str, exclude: str | None = None) -> list[Member]:
        """Live members with this email (a merged member is no longer found), other than `exclude`."""
        ...

    def get_member(self, program_id: str, member_id: str) -> Member | None: ...

    def ledger(self, program_id: str, member_id: str, cursor: str | None, limit: int) -> LedgerPage: ...


class Profiles(Protocol):
    """The personal, mutable part of members. Each call returns False when the change was stale or refused."""

    def set_contact(self, program_id: str, identity: Identity, email: str | None, first_name: str | None,
                    as_of: datetime) -> bool: ...

    def set_consent(self, program_id: str, identity: Identity, state: str, as_of: datetime) -> bool: ...

    def erase(self, program_id: str, identity: Identity, at: datetime) -> bool: ...

    def set_birthday(self, program_id: str, identity: Identity, birthday: date | None, as_of: datetime) -> bool:
        """The member's date of birth (None clears it), for birthday rewards; newest first wins."""
        ...

    def unsubscribe(self, program_id: str, member_id: str, category: str, at: datetime,
                    audit: Callable[[frozenset[str]], AuditRecord]) -> bool:
        """Leave one category of mail, writing `audit(categories left before)` in the same transaction.

        False, writing nothing, when the member had already left the category or is unknown (erased shop, wrong
        program); ConcurrentChange when the profile kept changing underneath.
        """
        ...

    def suppress(self, program_id: str, member_id: str, kind: str, at: datetime) -> None: ...

    def record_capped_send(self, program_id: str, member_id: str, sends: tuple[datetime, ...]) -> None:
        """The member's recent review and marketing sends (the frequency cap reads them)."""
        ...


@dataclass(frozen=True)
class DataRequest:
    request_id: str
    member_id: str
    shop: str
    customer_id: str
    orders_requested: tuple[str, ...]
    received_at: datetime


class DataRequests(Protocol):
    def record(self, program_id: str, request: DataRequest) -> bool:
        """Keep the request; False when it was already recorded."""
        ...

    def list(self, program_id: str) -> list[DataRequest]: ...

    def get(self, program_id: str, request_id: str) -> DataRequest | None: ...


@dataclass(frozen=True)
class DueItem:
    ref: str           # the domain key of the thing that is due, e.g. "shopify:<shop>:order:<id>"
    due_at: datetime


@dataclass(frozen=True)
class DueFailure:
    """A due item whose handler raised: its consecutive failures at one due time, and whether it was parked."""
    task: str
    ref: str
    due_at: datetime          # the occurrence that fails; the item due at another time starts again at 1
    attempts: int
    first_failed_at: datetime
    last_failed_at: datetime
    error: str                # the exception's class and message, short, without personal data
    parked_at: datetime | None = None


class DueWork(Protocol):
    """Time-driven work, found through an index of due items (never by scanning members)."""

    def due(self, program_id: str, task: str, until: datetime) -> list[DueItem]: ...

    def advance(self, program_id: str, task: str, cleared_before: date) -> None:
        """Days before `cleared_before` hold no more due work (never past today, never back)."""
        ...

    def failures(self, program_id: str, task: str) -> dict[str, DueFailure]:
        """The task's failing and parked items, by ref."""
        ...

    def record_failure(self, program_id: str, task: str, item: DueItem, at: datetime, error: str) -> int:
        """Count one more failure of the item at its due time; the consecutive failures so far."""
        ...

    def park(self, program_id: str, task: str, ref: str, at: datetime) -> None: ...

    def clear_failure(self, program_id: str, task: str, ref: str) -> None: ...

    def parked(self, program_id: str) -> list[DueFailure]:
        """The program's parked items, every task."""
        ...


@dataclass(frozen=True)
class RefusedDelivery:
    """A queued delivery that can never apply (services/deliveries.py): where it came from and why it was refused.
    No payload and no personal data."""
    source: str               # shopify, hubspot
    topic: str
    webhook_id: str
    received_at: datetime     # when the ingress accepted it
    refused_at: datetime
    reason: str


class RefusedDeliveries(Protocol):
    def record(self, program_id: str, refused: RefusedDelivery, keep_until: datetime) -> None:
        """Keep the refusal until `keep_until`; recording the same delivery again changes nothing."""
        ...

    def page(self, program_id: str, cursor: str | None, limit: int) -> tuple[list[RefusedDelivery], str | None]:
        """Newest received first, and the cursor of the next page (None on the last)."""
        ...


class RulesSource(Protocol):
    def rules_at(self, program_id: str, at: datetime) -> ProgramRules:
        """The rules version in force at `at` (the defaults when the program has stored none)."""
        ...


class IngestQueue(Protocol):
    def put(self, message: dict[str, Any]) -> str: ...

    def put_many(self, messages: Sequence[dict[str, Any]]) -> None:
        """Queue every message (in batches); raises when some could not be queued, so the sender retries."""
        ...


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    program_id: str
    scopes: frozenset[str]
    name: str = ""
    created_at: datetime | None = None
    created_by: str | None = None          # the key that created it; None for keys made by the setup command
    revoked_at: datetime | None = None


class ProgramDirectory(Protocol):
    """Program settings and secrets (SSM / Secrets Manager on AWS and in the local stack)."""

    def program_for_shop(self, shop_domain: str) -> str | None: ...

    def shopify_secrets(self, program_id: str) -> list[bytes]: ...

    def api_key(self, key_sha256: str) -> ApiKey | None: ...

    def programs(self) -> list[str]: ...

    def messaging(self, program_id: str) -> MessagingSettings: ...

    def shop_of(self, program_id: str) -> str: ...

    def program_for_portal(self, portal_id: str) -> str | None: ...

    def hubspot_settings(self, program_id: str) -> HubSpotSettings: ...


@dataclass(frozen=True)
class MessagingSettings:
    """A program's sender identity, footer, time zone and unsubscribe keys (program config + secrets)."""

    program_name: str
    sender_name: str
    sender_email: str
    postal_address: str
    public_url: str
    unsubscribe_secrets: tuple[bytes, ...]
    policy: MessagingPolicy
    brand_color: str = "#1f6feb"
    store_url: str | None = None
    configuration_set: str | None = None
    review_url: str = "{store}/products/{handle}#reviews"   # placeholders: store, handle, product_id
    currency: str = "USD"                                    # the shop's currency, for amounts in mail


class Composer(Protocol):
    def compose(self, message: Message, member: Member, settings: MessagingSettings, now: datetime) -> bytes:
        """The message as RFC 5322 bytes, rendered for this member, with its unsubscribe link when it needs one."""
        ...


class Mailer(Protocol):
    def send_raw(self, raw: bytes, sender: str, recipient: str, configuration_set: str | None, *,
                 program_id: str, kind: str) -> str:
        """Send; the provider's message id. MailRejected: never deliverable; MailUnavailable: try later.

        The mail is tagged with its program and kind, so bounces and complaints say whose mail they are about.
        """
        ...


class Outbox(Protocol):
    def claim(self, program_id: str, member_id: str, message_id: str, now: datetime) -> Message | None: ...

    def abandon_stale_claim(self, program_id: str, member_id: str, message_id: str, now: datetime) -> bool: ...

    def finish(self, program_id: str, message: Message, now: datetime, status: str, reason: str | None = None,
               ses_message_id: str | None = None, retry_at: datetime | None = None) -> None: ...

    def messages(self, program_id: str, member_id: str) -> list[Message]: ...

    def schedule(self, program_id: str, message: Message, now: datetime) -> bool:
        """Add a message outside a ledger change (a follow-up); False when it already exists."""
        ...


@dataclass(frozen=True)
class HubSpotSettings:
    """A program's HubSpot connection: webhook secrets and URL, the properties and stage it acts on."""

    client_secrets: tuple[bytes, ...] = field(repr=False)     # current, then previous (rotation)
    public_url: str                                          # the API's public base URL (signatures cover it)
    signature_versions: frozenset[str] = frozenset({"v3"})
    won_stage: str = "closedwon"
    grant_points_property: str = "loyalty_grant_points"
    birthday_property: str = "date_of_birth"
    currency: str = "USD"                                    # the program's (shop's) currency: deal amounts
    access_token: str = field(default="", repr=False)        # empty: outbound calls off
    api_base: str = "https://api.hubapi.com"


@dataclass(frozen=True)
class HubSpotDeal:
    amount: Decimal | None
    currency: str | None
    dealstage: str | None
    contact_ids: tuple[str, ...]


class HubSpotContacts(Protocol):
    """What the engine reads from a HubSpot account (the outbound client implements it)."""

    def contact(self, contact_id: str, properties: Sequence[str]) -> dict[str, str | None] | None:
        """The contact's values of these properties; None when the contact does not exist (any more)."""
        ...

    def deal(self, deal_id: str) -> HubSpotDeal | None: ...


@dataclass(frozen=True)
class IdentityLink:
    """Where a platform identity points: the member, and the identity its member id derives from."""

    member_id: str
    primary: Identity


class IdentityLinks(Protocol):
    def resolve(self, program_id: str, identity: Identity) -> IdentityLink | None: ...

    def link(self, program_id: str, identity: Identity, target: IdentityLink) -> IdentityLink | None:
        """Point the identity at the member once: the first link wins and is returned (also to later callers).

        Linking to another member adds the identity to that member's identities; None when that member does
        not exist or was erased (nothing is written then).
        """
        ...


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
    kind: str                             # "number", "decimal", "text" or "date"
    group: str
    description: str = ""


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
    kind: str                             # "number", "decimal", "text" or "date"
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


class ProductHandles(Protocol):
    def product_handles(self, product_ids: Sequence[str]) -> dict[str, str]:
        """The storefront handle of each product Shopify knows (for review links); raises LoyaltyError."""
        ...


class ShopifyAdminApi(CustomerMetafields, DiscountCodes, ProductHandles, Protocol):
    """The Shopify Admin calls the engine makes: loyalty metafields, reward discount codes, product handles."""


@dataclass(frozen=True)
class CrmConnectors:
    """A program's outbound CRM clients; None where the program has no credentials."""

    shop: str
    hubspot: CrmContacts | None = None
    shopify: ShopifyAdminApi | None = None
    hubspot_account: str = ""        # changes with the HubSpot account or token (its properties are set up again)


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
