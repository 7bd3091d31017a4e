"""The ports services depend on; adapters implement them, tests pass fakes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain.ledger import Identity, LedgerEntry, LedgerPage, Member, MemberHints


class Clock(Protocol):
    def now(self) -> datetime: ...


class LedgerRepository(Protocol):
    def append(self, program_id: str, identity: Identity, hints: MemberHints, entry: LedgerEntry) -> str:
        """Record the entry for the member behind the identity, creating the member if needed.

        Returns the member id. Raises DuplicateEntry when the entry's business fact is already recorded.
        """
        ...

    def find_by_email(self, program_id: str, email: str) -> list[Member]: ...

    def get_member(self, program_id: str, member_id: str) -> Member | None: ...

    def ledger(self, program_id: str, member_id: str, cursor: str | None, limit: int) -> LedgerPage: ...


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
