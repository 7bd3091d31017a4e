"""In-memory stand-ins for what granting an offer uses besides the ledger (tests/fakes.py InMemoryLedger): the boost
store, the redemption store, the reward catalog and Shopify's customer tags. The moto tests run the same grants on
the DynamoDB adapters (tests/integration/test_offers.py)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from chalicelib.domain.audit import AuditRecord
from chalicelib.domain.errors import ConnectorUnavailable, DuplicateEntry, NotFound
from chalicelib.domain.ledger import LedgerEntry
from chalicelib.domain.messages import Message
from chalicelib.domain.offers import Boost, offer_key
from chalicelib.domain.redemptions import Redemption
from chalicelib.domain.rewards import Reward
from chalicelib.services.ports.ledger import MemberChange
from tests.fakes import InMemoryLedger


@dataclass
class InMemoryBoosts:
    """Boosts on the ledger's members; each grant's key guarded in the ledger's facts (as on DynamoDB, where the
    guard is the business key `offer:<key>`)."""

    ledger: InMemoryLedger

    def set_boost(self, program_id: str, member_id: str, boost: Boost, key: str) -> bool:
        if (program_id, offer_key(key)) in self.ledger.facts:
            return False
        member = self.ledger.members.get((program_id, member_id))
        if member is None:
            raise NotFound(f"no member {member_id}")
        self.ledger.facts.add((program_id, offer_key(key)))
        self.ledger.members[(program_id, member_id)] = replace(member, boost=boost)
        return True


@dataclass
class InMemoryRedemptions:
    """Redemptions whose entries and messages go to the ledger, guarded by their idempotency keys."""

    ledger: InMemoryLedger
    guards: dict[tuple[str, str], tuple[str, str, str]] = field(default_factory=dict)   # → hash, member, id
    stored: dict[tuple[str, str, str], Redemption] = field(default_factory=dict)
    audits: list[AuditRecord] = field(default_factory=list)

    def redeem(self, program_id: str, redemption: Redemption, entry: LedgerEntry, request_hash: str,
               change: MemberChange, audit: AuditRecord) -> None:
        if (program_id, redemption.idempotency_key) in self.guards:
            raise DuplicateEntry("the idempotency key was used before")
        self.guards[(program_id, redemption.idempotency_key)] = (request_hash, redemption.member_id,
                                                                 redemption.redemption_id)
        self.ledger.commit_member(program_id, redemption.member_id, [entry], change, redemption.created_at)
        self.stored[(program_id, redemption.member_id, redemption.redemption_id)] = redemption
        self.audits.append(audit)

    def by_idempotency_key(self, program_id: str, idempotency_key: str) -> tuple[str, Redemption | None] | None:
        guard = self.guards.get((program_id, idempotency_key))
        return (guard[0], self.get(program_id, guard[1], guard[2])) if guard else None

    def get(self, program_id: str, member_id: str, redemption_id: str) -> Redemption | None:
        return self.stored.get((program_id, member_id, redemption_id))

    def list(self, program_id: str, member_id: str) -> list[Redemption]:
        return [r for (p, m, _), r in self.stored.items() if (p, m) == (program_id, member_id)]

    def settle(self, program_id: str, before: Redemption, after: Redemption, now: datetime,
               messages: tuple[Message, ...] = ()) -> bool:
        self.stored[(program_id, after.member_id, after.redemption_id)] = after
        return True

    def give_up(self, *args: Any) -> bool:
        raise NotImplementedError


@dataclass
class FakeRewards:
    rewards: list[Reward] = field(default_factory=list)

    def list(self, program_id: str) -> list[Reward]:
        return list(self.rewards)


@dataclass
class FakeCustomerTags:
    """Shopify's customer tags: a set per customer (adding one again changes nothing); `down` fails every call."""

    tags: dict[str, set[str]] = field(default_factory=dict)
    calls: int = 0
    down: bool = False

    def add_customer_tags(self, customer_id: str, tags: Sequence[str]) -> None:
        self.calls += 1
        if self.down:
            raise ConnectorUnavailable("Shopify did not answer (HTTP 503)")
        self.tags.setdefault(customer_id, set()).update(tags)
