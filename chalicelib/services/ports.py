"""The ports services depend on; adapters implement them, tests pass fakes."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from chalicelib.domain.accounting import OrderAccount
from chalicelib.domain.gates import MessagingPolicy
from chalicelib.domain.ledger import Identity, LedgerEntry, LedgerPage, Member, MemberHints
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
                     member: MemberChange | None = None) -> None:
        """Store the account and its entries atomically; ConcurrentChange if the account moved meanwhile."""
        ...

    def commit_member(self, program_id: str, member_id: str, entries: Sequence[LedgerEntry],
                      change: MemberChange, now: datetime) -> None:
        """Member-level work (expiry, tier reviews); ConcurrentChange if the profile moved since it was read."""
        ...

    def find_by_email(self, program_id: str, email: str) -> list[Member]: ...

    def get_member(self, program_id: str, member_id: str) -> Member | None: ...

    def ledger(self, program_id: str, member_id: str, cursor: str | None, limit: int) -> LedgerPage: ...


class Profiles(Protocol):
    """The personal, mutable part of members. Each call returns False when the change was stale or refused."""

    def set_contact(self, program_id: str, identity: Identity, email: str | None, first_name: str | None,
                    as_of: datetime) -> bool: ...

    def set_consent(self, program_id: str, identity: Identity, state: str, as_of: datetime) -> bool: ...

    def erase(self, program_id: str, identity: Identity, at: datetime) -> bool: ...

    def unsubscribe(self, program_id: str, member_id: str, category: str, at: datetime) -> None: ...

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


class DueWork(Protocol):
    """Time-driven work, found through an index of due items (never by scanning members)."""

    def due(self, program_id: str, task: str, until: datetime) -> list[DueItem]: ...

    def advance(self, program_id: str, task: str, cleared_before: date) -> None: ...


class RulesSource(Protocol):
    def rules_at(self, program_id: str, at: datetime) -> ProgramRules:
        """The rules version in force at `at` (the defaults when the program has stored none)."""
        ...


class IngestQueue(Protocol):
    def put(self, message: dict[str, Any]) -> str: ...


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    program_id: str
    scopes: frozenset[str]


class ProgramDirectory(Protocol):
    """Program settings and secrets (SSM / Secrets Manager on AWS and in the local stack)."""

    def program_for_shop(self, shop_domain: str) -> str | None: ...

    def shopify_secrets(self, program_id: str) -> list[bytes]: ...

    def api_key(self, key_sha256: str) -> ApiKey | None: ...

    def programs(self) -> list[str]: ...

    def messaging(self, program_id: str) -> MessagingSettings: ...

    def shop_of(self, program_id: str) -> str: ...


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
    def send_raw(self, raw: bytes, sender: str, recipient: str, configuration_set: str | None) -> str:
        """Send; the provider's message id. MailRejected: never deliverable; MailUnavailable: try later."""
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
