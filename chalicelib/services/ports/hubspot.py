"""What the engine reads from HubSpot, and where platform identities point."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from chalicelib.domain.ledger import Identity


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
