"""The ports services depend on; adapters implement them, tests pass fakes."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from chalicelib.domain.accounting import OrderAccount
from chalicelib.domain.ledger import Identity, LedgerEntry, LedgerPage, Member, MemberHints


class Clock(Protocol):
    def now(self) -> datetime: ...


class LedgerRepository(Protocol):
    def append(self, program_id: str, identity: Identity, hints: MemberHints, entry: LedgerEntry) -> str:
        """Record a one-off fact for the member behind the identity, creating the member if needed.

        Returns the member id. Raises DuplicateEntry when the entry's business fact is already recorded.
        """
        ...

    def load_order(self, program_id: str, shop: str, order_id: str,
                   member_id: str | None) -> tuple[OrderAccount | None, Member | None]: ...

    def commit_order(self, program_id: str, account: OrderAccount, previous_version: int | None,
                     entries: Sequence[LedgerEntry], identity: Identity | None, hints: MemberHints) -> None:
        """Store the account and its entries atomically; ConcurrentChange if the account moved meanwhile."""
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


@dataclass(frozen=True)
class DueItem:
    ref: str           # the domain key of the thing that is due, e.g. "shopify:<shop>:order:<id>"
    due_at: datetime


class DueWork(Protocol):
    """Time-driven work, found through an index of due items (never by scanning members)."""

    def due(self, program_id: str, task: str, until: datetime) -> list[DueItem]: ...

    def advance(self, program_id: str, task: str, cleared_before: date) -> None: ...


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
