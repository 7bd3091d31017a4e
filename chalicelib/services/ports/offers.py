"""What granting an offer needs beyond the ledger and the reward machinery: the member's boost, Shopify tags."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from chalicelib.domain.offers import Boost


class BoostStore(Protocol):
    def set_boost(self, program_id: str, member_id: str, boost: Boost, key: str) -> bool:
        """Give the member this boost, replacing any earlier one, once per `key` (its guard is the business key
        `offer:<key>`): False, writing nothing, when the key was used before. NotFound for a member with no
        profile; ConcurrentChange when the profile was busy (try again)."""
        ...


class CustomerTags(Protocol):
    def add_customer_tags(self, customer_id: str, tags: Sequence[str]) -> None:
        """Add tags to a Shopify customer (the tags it has stay; adding one it has changes nothing).
        ConnectorRejected (with Shopify's messages) or ConnectorUnavailable."""
        ...
