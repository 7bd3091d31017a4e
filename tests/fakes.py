"""In-memory stand-ins for the ports; kept honest by the contract tests that run them beside the real adapters."""
from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from chalicelib.domain.errors import DuplicateEntry
from chalicelib.domain.ledger import EntryKind, Identity, LedgerEntry, LedgerPage, Member, MemberHints
from chalicelib.services.ports import ApiKey

_LIFETIME = {EntryKind.EARN, EntryKind.BONUS, EntryKind.PENDING_EARN}


class FixedClock:
    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current


class InMemoryLedger:
    def __init__(self) -> None:
        self.facts: set[tuple[str, str]] = set()
        self.identities: dict[str, str] = {}
        self.members: dict[str, Member] = {}
        self.entries: dict[str, list[LedgerEntry]] = {}

    def append(self, program_id: str, identity: Identity, hints: MemberHints, entry: LedgerEntry) -> str:
        if (program_id, entry.business_key) in self.facts:
            raise DuplicateEntry("already recorded")
        self.facts.add((program_id, entry.business_key))
        member_id = self.identities.setdefault(f"{program_id}|{identity.key}", "m_" + secrets.token_hex(10))
        member = self.members.get(member_id) or Member(
            member_id=member_id, program_id=program_id, email=hints.email and hints.email.strip().lower(),
            first_name=hints.first_name, points_balance=0, pending_points=0, lifetime_points=0, tier="member",
            identities=(), created_at=entry.recorded_at, updated_at=entry.recorded_at)
        self.members[member_id] = replace(
            member,
            points_balance=member.points_balance + entry.spendable_delta,
            pending_points=member.pending_points + entry.points - entry.spendable_delta,
            lifetime_points=member.lifetime_points + (max(entry.points, 0) if entry.kind in _LIFETIME else 0),
            identities=tuple(sorted({*member.identities, identity.key})),
            updated_at=entry.recorded_at,
        )
        self.entries.setdefault(member_id, []).append(entry)
        return member_id

    def find_by_email(self, program_id: str, email: str) -> list[Member]:
        wanted = email.strip().lower()
        return [m for m in self.members.values() if m.program_id == program_id and m.email == wanted]

    def get_member(self, program_id: str, member_id: str) -> Member | None:
        member = self.members.get(member_id)
        return member if member and member.program_id == program_id else None

    def ledger(self, program_id: str, member_id: str, cursor: str | None, limit: int) -> LedgerPage:
        ordered = sorted(self.entries.get(member_id, []), key=lambda e: (e.recorded_at, e.entry_id), reverse=True)
        start = int(cursor) if cursor else 0
        page = ordered[start:start + limit]
        more = start + limit < len(ordered)
        return LedgerPage(entries=tuple(page), next_cursor=str(start + limit) if more else None)


class FakeQueue:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def put(self, message: dict[str, Any]) -> str:
        self.messages.append(message)
        return f"msg-{len(self.messages)}"


class FakeDirectory:
    def __init__(self, shops: dict[str, str] | None = None, secrets_by_program: dict[str, list[bytes]] | None = None,
                 keys: dict[str, ApiKey] | None = None) -> None:
        self.shops = shops or {}
        self.secrets_by_program = secrets_by_program or {}
        self.keys = keys or {}

    def program_for_shop(self, shop_domain: str) -> str | None:
        return self.shops.get(shop_domain)

    def shopify_secrets(self, program_id: str) -> list[bytes]:
        return self.secrets_by_program.get(program_id, [])

    def api_key(self, key_sha256: str) -> ApiKey | None:
        return self.keys.get(key_sha256)
