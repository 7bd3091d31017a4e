"""What the engine reads from HubSpot, and where platform identities point."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from chalicelib.domain.ledger import Identity


@dataclass(frozen=True)
class HubSpotDeal:
    amount: Decimal | None
    currency: str | None
    dealstage: str | None
    contact_ids: tuple[str, ...]


@dataclass(frozen=True)
class HubSpotTicket:
    pipeline_stage: str | None                # hs_pipeline_stage: the stage's internal id
    contact_ids: tuple[str, ...]              # associated contacts, as HubSpot lists them


class HubSpotContacts(Protocol):
    """What the engine reads from a HubSpot account (the outbound client implements it)."""

    def contact(self, contact_id: str, properties: Sequence[str]) -> dict[str, str | None] | None:
        """The contact's values of these properties; None when the contact does not exist (any more)."""
        ...

    def deal(self, deal_id: str) -> HubSpotDeal | None: ...

    def ticket(self, ticket_id: str) -> HubSpotTicket | None:
        """The ticket's stage and associated contacts; None when the ticket does not exist (any more)."""
        ...


@dataclass(frozen=True)
class CrmTask:
    """A to-do for the merchant's people on one HubSpot contact (the follow-up of an unhappy survey answer)."""

    contact_id: str
    subject: str
    body: str
    due_at: datetime


class HubSpotTasks(Protocol):
    """HubSpot tasks on contacts (the outbound client implements it)."""

    def create_task(self, task: CrmTask) -> str:
        """The new task's id. Raises DailyLimitReached, ConnectorUnavailable or ConnectorRejected."""
        ...

    def contact_id_by_email(self, email: str) -> str | None:
        """The id of the contact with this email; None when there is none."""
        ...


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
