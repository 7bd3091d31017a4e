"""Where campaigns and their members' walks are kept."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Protocol

from chalicelib.domain.audit import AuditRecord
from chalicelib.domain.campaigns import Campaign, Enrollment


class CampaignStore(Protocol):
    def add(self, program_id: str, campaign: Campaign, audit: AuditRecord) -> None:
        """Store a new campaign with its audit record at once; DuplicateEntry when its id is taken."""
        ...

    def replace(self, program_id: str, campaign: Campaign, expected_version: int, audit: AuditRecord) -> None:
        """Store the campaign (its `version` is the new one) while the stored one is at `expected_version`, with its
        audit record at once; ConcurrentChange otherwise."""
        ...

    def get(self, program_id: str, campaign_id: str) -> Campaign | None: ...

    def list(self, program_id: str) -> list[Campaign]: ...

    def enter(self, program_id: str, enrollment: Enrollment, previous_entry: datetime | None, now: datetime) -> bool:
        """Atomically: the new enrollment (due at its `due_at` in the Due index, task `campaign`) and the member's
        last entry into the campaign set to `enrollment.entered_at`, only while that is still `previous_entry`
        (absent when None) and the member's profile exists. False when it was not (entered by another run)."""
        ...

    def enrollment(self, program_id: str, ref: str) -> Enrollment | None:
        """The enrollment a ref names (domain.campaigns.enrollment_ref); None for an unknown or malformed ref."""
        ...

    def update(self, program_id: str, enrollment: Enrollment, now: datetime) -> bool:
        """Store the enrollment's new state (its due entry moved to `due_at`, removed when None) while the stored one
        is at `enrollment.version`; the stored version moves on by one. False when it had moved."""
        ...

    def clicked(self, program_id: str, ref: str, at: datetime, now: datetime) -> bool:
        """Record a click on the enrollment's mail: `clicked_at` = at (never back), and, while the enrollment walks
        and is due later than `at`, due at `at` so that a step waiting for a click goes on at the next run.
        False for an unknown or finished enrollment."""
        ...

    def enrollments(self, program_id: str, campaign_id: str) -> Iterator[Enrollment]:
        """Every enrollment of the campaign, by member, read page by page."""
        ...
