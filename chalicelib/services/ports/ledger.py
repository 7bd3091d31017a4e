"""The ledger: members' entries and balances, orders' accounts, products' tags."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple, Protocol

from chalicelib.domain.accounting import OrderAccount
from chalicelib.domain.audit import AuditRecord
from chalicelib.domain.figures import Delta
from chalicelib.domain.journey import Change, Journey
from chalicelib.domain.ledger import Identity, LedgerEntry, LedgerPage, Member, MemberHints
from chalicelib.domain.merges import MemberMerge
from chalicelib.domain.messages import Message
from chalicelib.domain.tiers import TierChange


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
    purchase_day: date | None = None      # the order's calendar day: a purchase day of the member's ...
    day_value: Decimal = Decimal(0)       # ... whose value moves by this (qualifying spend, net of refunds)
    journey: Journey | None = None        # the member's journey after the change (stage and state), when it moved
    journey_changes: tuple[Change, ...] = ()   # the stage and state changes, recorded in the member's timeline
    tags_bought: frozenset[str] = frozenset()  # the tags of the order's products, added to the member's
    figures: tuple[Delta, ...] = ()       # what the change adds to the day counters besides its entries' points


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
