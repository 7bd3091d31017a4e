"""HubSpot static lists mirroring chosen segments (services/segment_lists.py): which segments a program mirrors, the
rows the nightly run collects for them, the contact ids last published to each list, and HubSpot's lists API."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.domain.audit import AuditRecord


@dataclass(frozen=True)
class SegmentMirror:
    """One segment's HubSpot list: chosen or not, and what the last publish left in it."""

    name: str                                  # a built-in segment (`stage:loyal`) or a custom one's own name
    mirror: bool
    list_id: str | None = None                 # HubSpot's listId, once the list exists
    members: int | None = None                 # contact ids the last publish left in the list
    published_as_of: datetime | None = None    # the run whose members the list holds
    published_at: datetime | None = None       # when that run's members were published (the clock's)


@dataclass(frozen=True)
class ListRow:
    """A member of a mirrored segment, with the HubSpot contact it is linked to."""

    segment: str
    member_id: str
    contact_id: str


@dataclass(frozen=True)
class PublishedSet:
    """The contact ids last published to a list (kept until the next publish, never expired)."""

    list_id: str
    contact_ids: frozenset[str]


class SegmentMirrors(Protocol):
    def mirrors(self, program_id: str) -> list[SegmentMirror]:
        """Every segment of the program ever chosen (un-chosen ones too, with mirror False), by name."""
        ...

    def choose(self, program_id: str, name: str, mirror: bool, audit: AuditRecord) -> None:
        """Set the segment's choice with its audit record (one transaction); its list and publish stay as they are."""
        ...

    def set_list(self, program_id: str, name: str, list_id: str) -> None:
        """Remember the segment's HubSpot list id."""
        ...

    def published(self, program_id: str, name: str, list_id: str, members: int, as_of: datetime,
                  at: datetime) -> None:
        """Record a publish: the list now holds `members` contacts, the members of the run as of `as_of`."""
        ...

    def published_set(self, program_id: str, name: str) -> PublishedSet | None:
        """The contact ids the last publish left in the segment's list; None before the first."""
        ...

    def save_published_set(self, program_id: str, name: str, published: PublishedSet) -> None: ...


class ListRows(Protocol):
    """The nightly run's rows for the lists, between its apply tasks and its publish task."""

    def selected(self, program_id: str, as_of: datetime) -> tuple[str, ...] | None:
        """The segments the run collects for; None before its first apply task chose them."""
        ...

    def select(self, program_id: str, as_of: datetime, names: Sequence[str]) -> tuple[str, ...]:
        """Choose the segments the run collects for, unless a task of the run did first: the run's choice."""
        ...

    def save_list_rows(self, program_id: str, as_of: datetime, part: str, rows: Sequence[ListRow]) -> None: ...

    def list_rows(self, program_id: str, as_of: datetime) -> Iterator[ListRow]:
        """Every row the run's apply tasks saved (a retried task may have saved a member twice)."""
        ...


class HubSpotLists(Protocol):
    """HubSpot's lists API v3 for MANUAL (static) contact lists. Raises ConnectorUnavailable (after its retries,
    429 included), DailyLimitReached or ConnectorRejected."""

    def create_list(self, name: str) -> str:
        """A new MANUAL contact list's id; the existing list's id when the name is taken."""
        ...

    def find_list(self, name: str) -> str | None:
        """The id of the contact list of this name (HubSpot compares names without case); None if there is none."""
        ...

    def update_memberships(self, list_id: str, add: Sequence[str], remove: Sequence[str]) -> list[str] | None:
        """Add and remove contacts (ids already in or already out are ignored); the ids HubSpot does not know, or
        None when the list does not exist (deleted)."""
        ...
