"""Ledger entries and members: the append-only history and the balances derived from it."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from chalicelib.domain.journey import Journey, Prediction, Rfm, Stage
from chalicelib.domain.money import Money
from chalicelib.domain.offers import Boost
from chalicelib.domain.surveys import FeedbackFacts


class EntryKind(StrEnum):
    EARN = "earn"
    PENDING_EARN = "pending_earn"
    RELEASE = "release"
    REVERSE = "reverse"
    REDEEM = "redeem"
    EXPIRE = "expire"
    ADJUST = "adjust"
    BONUS = "bonus"
    MERGE = "merge"         # balances moved between two members found to be one person


@dataclass(frozen=True)
class Identity:
    """How a platform knows a person: ("shopify", "<shop>:<customer id>") and later HubSpot contacts."""

    kind: str
    value: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.value}"


@dataclass(frozen=True)
class MemberHints:
    """Profile facts an event carries; they fill a new member's profile and never overwrite."""

    email: str | None = None
    first_name: str | None = None


@dataclass(frozen=True)
class LedgerEntry:
    """An immutable ledger line. `points` moves the spendable balance, `pending_points` the pending one."""

    entry_id: str
    business_key: str
    kind: EntryKind
    points: int
    occurred_at: datetime
    recorded_at: datetime
    source: dict[str, str] = field(default_factory=dict)
    base: Money | None = None
    presentment_base: Money | None = None
    rule_version: str | None = None
    reason: str | None = None
    pending_points: int = 0
    lifetime_points: int | None = None     # merges only: the lifetime points that move with the balances

    @property
    def lifetime_delta(self) -> int:
        """Lifetime points count what was earned, net of clawbacks; spending and expiry do not lower them."""
        if self.kind is EntryKind.MERGE:
            return self.lifetime_points or 0
        if self.kind in (EntryKind.EARN, EntryKind.PENDING_EARN, EntryKind.BONUS, EntryKind.REVERSE):
            return self.points + self.pending_points
        return 0


@dataclass(frozen=True)
class Member:
    member_id: str
    program_id: str
    email: str | None
    first_name: str | None
    points_balance: int
    pending_points: int
    lifetime_points: int
    tier: str
    identities: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    email_consent: str | None = None          # Shopify's state: subscribed, not_subscribed, unsubscribed, …
    consent_updated_at: datetime | None = None
    erased_at: datetime | None = None
    version: int = 0                          # moves with every balance change (optimistic locking)
    tier_since: datetime | None = None
    tier_review_at: datetime | None = None
    last_activity_at: datetime | None = None
    spend: dict[str, Decimal] = field(default_factory=dict)   # qualifying spend by month, "2026-11"
    unsubscribed: frozenset[str] = frozenset()   # message categories left through our unsubscribe links
    unsubscribed_at: datetime | None = None      # when the member last left a category through our links
    hard_bounced: bool = False
    complained: bool = False
    recent_capped_sends: tuple[datetime, ...] = ()   # review + marketing sends, for the frequency cap
    spend_credit: int = 0     # points redeemed that no award lot has absorbed yet (lots expiry, FIFO)
    birthday: date | None = None              # from the CRM, for birthday rewards; erased with the person
    merged_into: str | None = None            # this member turned out to be that one: everything moved there
    merged_from: tuple[str, ...] = ()         # members merged into this one
    # The member's purchase days (the shop's calendar day of each paid order, by the order's own offset) and the
    # value of that day's orders, net of refunds (0 for orders that earned nothing): domain.purchase_history.
    purchase_days: dict[date, Decimal] = field(default_factory=dict)
    journey: Journey | None = None            # None: no order yet and never evaluated, a prospect since created_at
    rfm: Rfm | None = None                    # from the last nightly run; None before it or with no order
    prediction: Prediction | None = None      # from the last nightly run with a fitted model
    evaluated_at: datetime | None = None      # the as_of of the last nightly run that wrote the member
    journey_seen: tuple[str, str | None] | None = None   # (stage, state) as the last nightly run saw them
    tags_bought: frozenset[str] = frozenset()   # tags of the products of the member's paid orders (as tagged then)
    # HubSpot contact properties the program syncs (hubspot_synced_properties): name → value, cleared ones absent;
    # and when each last changed in HubSpot, cleared ones included (newest first per property). Erased with the person.
    hubspot_properties: dict[str, str] = field(default_factory=dict)
    hubspot_properties_at: dict[str, datetime] = field(default_factory=dict)
    stage_entered: dict[str, datetime] = field(default_factory=dict)   # stage → when the member entered it
    # (stage, message kind) → the first send of that kind in the stage's touch window (journey.is_touchpoint)
    touches: dict[tuple[str, str], datetime] = field(default_factory=dict)
    last_surveyed_at: datetime | None = None  # the last survey sent (the throttle reads it), any kind
    feedback: FeedbackFacts | None = None     # the member's latest survey answers
    boost: Boost | None = None                # a campaign's points multiplier for a window (domain.offers)
    campaigns: dict[str, datetime] = field(default_factory=dict)   # campaign id → the member's last entry

    def current_journey(self) -> Journey:
        """The journey as stored; a member without one is a prospect since it was created."""
        return self.journey or Journey(Stage.PROSPECT, self.created_at)

    def boost_at(self, at: datetime) -> Decimal:
        """The factor the member's boost puts on the points of an order processed at `at` (1 outside its window)."""
        return self.boost.factor_at(at) if self.boost is not None else Decimal(1)

    def order_days(self) -> list[date]:
        """The purchase days, oldest first."""
        return sorted(self.purchase_days)


def member_id_for(program_id: str, identity: Identity) -> str:
    """A member's id follows from its platform identity, so any event can address the member without a lookup."""
    digest = hashlib.sha256(f"{program_id}\x1f{identity.key}".encode()).hexdigest()
    return "m_" + digest[:24]


def primary_identity(program_id: str, member: Member) -> Identity | None:
    """The identity the member's id derives from (a member linked to other identities has one primary)."""
    for key in member.identities:
        kind, _, value = key.partition(":")
        if member_id_for(program_id, Identity(kind, value)) == member.member_id:
            return Identity(kind, value)
    return None


def entry_id_for(business_key: str) -> str:
    """Stable id of the entry a business fact produces: the same fact always yields the same id."""
    return "e_" + hashlib.sha256(business_key.encode()).hexdigest()[:26]


@dataclass(frozen=True)
class LedgerPage:
    entries: tuple[LedgerEntry, ...]
    next_cursor: str | None
