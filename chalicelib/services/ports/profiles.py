"""Members' personal, mutable data and customers' data requests."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from chalicelib.domain.audit import AuditRecord
from chalicelib.domain.ledger import Identity


class Profiles(Protocol):
    """The personal, mutable part of members. Each call returns False when the change was stale or refused."""

    def set_contact(self, program_id: str, identity: Identity, email: str | None, first_name: str | None,
                    as_of: datetime) -> bool: ...

    def set_consent(self, program_id: str, identity: Identity, state: str, as_of: datetime) -> bool: ...

    def erase(self, program_id: str, identity: Identity, at: datetime) -> bool: ...

    def set_birthday(self, program_id: str, identity: Identity, birthday: date | None, as_of: datetime) -> bool:
        """The member's date of birth (None clears it), for birthday rewards; newest first wins."""
        ...

    def set_hubspot_properties(self, program_id: str, identity: Identity, values: Mapping[str, str | None],
                               as_of: datetime) -> bool:
        """Synced HubSpot contact properties changed at `as_of` (None: cleared), newest first per property: one
        whose stored change is as new or newer keeps it. True when any was kept; erased members take none."""
        ...

    def unsubscribe(self, program_id: str, member_id: str, category: str, at: datetime,
                    audit: Callable[[frozenset[str]], AuditRecord]) -> bool:
        """Leave one category of mail, writing `audit(categories left before)` in the same transaction.

        False, writing nothing, when the member had already left the category or is unknown (erased shop, wrong
        program); ConcurrentChange when the profile kept changing underneath.
        """
        ...

    def suppress(self, program_id: str, member_id: str, kind: str, at: datetime) -> None: ...

    def record_capped_send(self, program_id: str, member_id: str, sends: tuple[datetime, ...],
                           surveyed_at: datetime | None = None) -> None:
        """The member's recent review, feedback and marketing sends (the frequency cap reads them); with
        `surveyed_at`, a survey was sent then (the survey throttle reads it)."""
        ...

    def record_touch(self, program_id: str, member_id: str, stage: str, kind: str, at: datetime) -> None:
        """A message of `kind` was sent at `at` in the member's `stage`'s touch window; the first such send is kept."""
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
