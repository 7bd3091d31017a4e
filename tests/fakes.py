"""In-memory stand-ins for the ports; kept honest by the contract tests that run them beside the real adapters."""
from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from chalicelib.domain.accounting import OrderAccount
from chalicelib.domain.audit import AuditRecord
from chalicelib.domain.campaigns import WALKING, Campaign, Enrollment, from_stored
from chalicelib.domain.errors import ConcurrentChange, DuplicateEntry
from chalicelib.domain.ledger import Identity, LedgerEntry, LedgerPage, Member, MemberHints, member_id_for
from chalicelib.domain.member_events import MemberEvent
from chalicelib.domain.merges import MemberMerge
from chalicelib.domain.messages import Message
from chalicelib.domain.program import ProgramRules, rules_at
from chalicelib.services.ports.hubspot import HubSpotDeal, HubSpotTicket, IdentityLink
from chalicelib.services.ports.intake import RefusedDelivery
from chalicelib.services.ports.ledger import MemberChange, OrderRead
from chalicelib.services.ports.profiles import DataRequest
from chalicelib.services.ports.programs import ApiKey, HubSpotSettings


class FixedClock:
    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current


class InMemoryLedger:
    """The ledger, profiles and product-catalog ports over one in-memory store (pass the same object for each)."""

    def __init__(self) -> None:
        self.facts: set[tuple[str, str]] = set()
        self.members: dict[tuple[str, str], Member] = {}
        self.entries: dict[tuple[str, str], list[LedgerEntry]] = {}
        self.orders: dict[tuple[str, str, str], OrderAccount] = {}
        self.contact_as_of: dict[tuple[str, str], datetime] = {}
        self.products: dict[tuple[str, str, str], tuple[datetime, frozenset[str]]] = {}
        self.messages: dict[tuple[str, str], Message] = {}
        self.birthday_as_of: dict[tuple[str, str], datetime] = {}
        self.merges: list[Any] = []
        self.links: dict[tuple[str, str], IdentityLink] = {}     # shared with InMemoryIdentities

    def set_contact(self, program_id: str, identity: Identity, email: str | None, first_name: str | None,
                    as_of: datetime) -> bool:
        member = self._profile(program_id, identity, as_of)
        key = (program_id, member.member_id)
        if member.erased_at or (key in self.contact_as_of and self.contact_as_of[key] >= as_of):
            return False
        self.contact_as_of[key] = as_of
        self.members[key] = replace(member, email=email.strip().lower() if email else member.email,
                                    first_name=first_name or member.first_name)
        return True

    def set_consent(self, program_id: str, identity: Identity, state: str, as_of: datetime) -> bool:
        member = self._profile(program_id, identity, as_of)
        if member.erased_at or (member.consent_updated_at and member.consent_updated_at >= as_of):
            return False
        self.members[(program_id, member.member_id)] = replace(member, email_consent=state, consent_updated_at=as_of)
        return True

    def erase(self, program_id: str, identity: Identity, at: datetime) -> bool:
        member = self._profile(program_id, identity, at)
        if member.erased_at:
            return False
        self.members[(program_id, member.member_id)] = replace(
            member, email=None, first_name=None, identities=(), email_consent=None, erased_at=at, birthday=None,
            hubspot_properties={}, hubspot_properties_at={})
        return True

    def set_hubspot_properties(self, program_id: str, identity: Identity, values: dict[str, str | None],
                               as_of: datetime) -> bool:
        member = self._profile(program_id, identity, as_of)
        newer = {n: v for n, v in values.items()
                 if n not in member.hubspot_properties_at or member.hubspot_properties_at[n] < as_of}
        if member.erased_at or not newer:
            return False
        kept = {n: v for n, v in {**member.hubspot_properties, **newer}.items() if v is not None}
        self.members[(program_id, member.member_id)] = replace(
            member, hubspot_properties=kept, hubspot_properties_at={**member.hubspot_properties_at,
                                                                    **dict.fromkeys(newer, as_of)})
        return True

    def set_birthday(self, program_id: str, identity: Identity, birthday: date | None, as_of: datetime) -> bool:
        member = self._profile(program_id, identity, as_of)
        key = (program_id, member.member_id)
        if member.erased_at or (key in self.birthday_as_of and self.birthday_as_of[key] >= as_of):
            return False
        self.birthday_as_of[key] = as_of
        self.members[key] = replace(member, birthday=birthday)
        return True

    def _profile(self, program_id: str, identity: Identity, at: datetime) -> Member:
        member_id = member_id_for(program_id, identity)
        return self.members.setdefault((program_id, member_id), Member(
            member_id=member_id, program_id=program_id, email=None, first_name=None, points_balance=0,
            pending_points=0, lifetime_points=0, tier="member", identities=(identity.key,), created_at=at,
            updated_at=at))

    def append(self, program_id: str, identity: Identity, hints: MemberHints, entry: LedgerEntry,
               change: MemberChange | None = None) -> str:
        if (program_id, entry.business_key) in self.facts:
            raise DuplicateEntry("already recorded")
        self.facts.add((program_id, entry.business_key))
        member_id = member_id_for(program_id, identity)
        self._post(program_id, member_id, identity, hints, [entry], change)
        return member_id

    def load_order(self, program_id: str, shop: str, order_id: str, member_id: str | None,
                   product_ids: Sequence[str] = ()) -> OrderRead:
        member = self.members.get((program_id, member_id)) if member_id else None
        tags = {p: self.products[(program_id, shop, p)][1] for p in product_ids
                if (program_id, shop, p) in self.products}
        return OrderRead(self.orders.get((program_id, shop, order_id)), member, tags)

    def set_tags(self, program_id: str, shop: str, product_id: str, tags: frozenset[str], as_of: datetime,
                 handle: str | None = None) -> bool:
        known = self.products.get((program_id, shop, product_id))
        if known and known[0] >= as_of:
            return False
        self.products[(program_id, shop, product_id)] = (as_of, tags)
        return True

    def commit_order(self, program_id: str, account: OrderAccount, previous_version: int | None,
                     entries: Sequence[LedgerEntry], identity: Identity | None, hints: MemberHints,
                     member: MemberChange | None = None, *, now: datetime) -> None:
        key = (program_id, account.shop, account.order_id)
        stored = self.orders.get(key)
        if (stored.version if stored else None) != previous_version:
            raise ConcurrentChange("the order changed")
        if entries or member:
            assert account.member_id is not None
            self._check_version(program_id, account.member_id, member)
            self._post(program_id, account.member_id, identity, hints, entries, member, now)
        self.orders[key] = account

    def commit_member(self, program_id: str, member_id: str, entries: Sequence[LedgerEntry],
                      change: MemberChange, now: datetime) -> None:
        self._check_version(program_id, member_id, change)
        if any((program_id, m.message_id) in self.messages for m in change.messages):
            raise DuplicateEntry("the change's messages exist already")
        self._post(program_id, member_id, None, MemberHints(), entries, change, now)

    def _check_version(self, program_id: str, member_id: str, change: MemberChange | None) -> None:
        current = self.members.get((program_id, member_id))
        if change is not None and change.check_version and (current.version if current else 0) != (
                change.expected_version or 0):
            raise ConcurrentChange("the member changed")

    def merge_members(self, program_id: str, plan: MemberMerge, target_primary: Identity, audit: Any) -> None:
        source = self.members.get((program_id, plan.source.member_id))
        target = self.members.get((program_id, plan.target_id))
        if (program_id, f"merge:{plan.source.member_id}") in self.facts:
            raise DuplicateEntry("merged before")
        if source is None or source.merged_into or source.version != plan.source.version or \
                (target.version if target else 0) != plan.target_version or (target and target.merged_into):
            raise ConcurrentChange("a member moved")
        self.facts.add((program_id, f"merge:{plan.source.member_id}"))
        now = plan.in_entry.recorded_at
        self._post(program_id, source.member_id, None, MemberHints(), [plan.out_entry], None, now)
        self._post(program_id, plan.target_id, target_primary, MemberHints(email=source.email,
                                                                           first_name=source.first_name),
                   [plan.in_entry], None, now)
        moved = self.members[(program_id, plan.target_id)]
        spend = dict(moved.spend)
        for month, amount in plan.spend.items():
            spend[month] = spend.get(month, Decimal(0)) + amount
        days = dict(moved.purchase_days)
        for day, amount in source.purchase_days.items():
            days[day] = days.get(day, Decimal(0)) + amount
        self.members[(program_id, plan.target_id)] = replace(
            moved, spend=spend, purchase_days=days, tags_bought=moved.tags_bought | source.tags_bought,
            spend_credit=moved.spend_credit + source.spend_credit,
            identities=tuple(sorted({*moved.identities, *source.identities, target_primary.key})),
            merged_from=tuple(sorted({*moved.merged_from, source.member_id})),
            tier=plan.tier.tier if plan.tier else moved.tier,
            unsubscribed=moved.unsubscribed | source.unsubscribed,
            hubspot_properties=moved.hubspot_properties if moved.hubspot_properties_at else source.hubspot_properties,
            hubspot_properties_at=moved.hubspot_properties_at or source.hubspot_properties_at,
            boost=moved.boost or source.boost)
        gone = self.members[(program_id, source.member_id)]
        self.members[(program_id, source.member_id)] = replace(
            gone, merged_into=plan.target_id, email=None, first_name=None, spend={}, spend_credit=0,
            purchase_days={day: Decimal(0) for day in gone.purchase_days}, hubspot_properties={},
            hubspot_properties_at={})
        self.merges.append(audit)
        for identity in source.identities:          # the identity links follow the person
            self.links[(program_id, identity)] = IdentityLink(plan.target_id, target_primary)

    def find_by_email(self, program_id: str, email: str, exclude: str | None = None) -> list[Member]:
        wanted = email.strip().lower()
        return [m for (p, mid), m in self.members.items() if p == program_id and m.email == wanted and mid != exclude]

    def get_member(self, program_id: str, member_id: str) -> Member | None:
        return self.members.get((program_id, member_id))

    def ledger(self, program_id: str, member_id: str, cursor: str | None, limit: int) -> LedgerPage:
        entries = self.entries.get((program_id, member_id), [])
        ordered = sorted(entries, key=lambda e: (e.recorded_at, e.entry_id), reverse=True)
        start = int(cursor) if cursor else 0
        more = start + limit < len(ordered)
        return LedgerPage(entries=tuple(ordered[start:start + limit]), next_cursor=str(start + limit) if more else None)

    def _post(self, program_id: str, member_id: str, identity: Identity | None, hints: MemberHints,
              entries: Sequence[LedgerEntry], change: MemberChange | None = None, at: datetime | None = None) -> None:
        now = max((e.recorded_at for e in entries), default=at or FixedClock().now())
        member = self.members.get((program_id, member_id)) or Member(
            member_id=member_id, program_id=program_id, email=hints.email and hints.email.strip().lower(),
            first_name=hints.first_name, points_balance=0, pending_points=0, lifetime_points=0, tier="member",
            identities=(), created_at=now, updated_at=now)
        self.members[(program_id, member_id)] = replace(
            member,
            version=member.version + 1,
            points_balance=member.points_balance + sum(e.points for e in entries),
            pending_points=member.pending_points + sum(e.pending_points for e in entries),
            lifetime_points=member.lifetime_points + sum(e.lifetime_delta for e in entries),
            identities=member.identities or ((identity.key,) if identity and not member.erased_at else ()),
            email=None if member.erased_at else (member.email or (hints.email and hints.email.strip().lower())),
            first_name=None if member.erased_at else (member.first_name or hints.first_name),
            updated_at=now,
        )
        self.entries.setdefault((program_id, member_id), []).extend(entries)
        if change is not None:
            self._apply_change(program_id, member_id, change)

    def _apply_change(self, program_id: str, member_id: str, change: MemberChange) -> None:
        for message in change.messages:
            if (program_id, message.message_id) in self.messages:
                raise ConcurrentChange("message already exists")
            self.messages[(program_id, message.message_id)] = message
        member = self.members[(program_id, member_id)]
        spend = dict(member.spend)
        days = dict(member.purchase_days)
        if change.spend_month and change.spend_delta:
            spend[change.spend_month] = spend.get(change.spend_month, Decimal(0)) + change.spend_delta
        if change.purchase_day is not None:
            days[change.purchase_day] = days.get(change.purchase_day, Decimal(0)) + change.day_value
        tc = change.tier_change
        moved = tc is not None and tc.new != tc.old
        self.members[(program_id, member_id)] = replace(
            member, spend=spend, purchase_days=days, journey=change.journey or member.journey,
            tags_bought=member.tags_bought | change.tags_bought,
            tier=tc.new if tc and moved else member.tier,
            tier_since=tc.at if tc and moved else member.tier_since,
            tier_review_at=tc.review_at if tc else member.tier_review_at,
            last_activity_at=change.activity_at or member.last_activity_at,
            spend_credit=member.spend_credit + change.spend_credit)


class InMemoryDataRequests:
    def __init__(self) -> None:
        self.requests: dict[tuple[str, str], DataRequest] = {}

    def record(self, program_id: str, request: DataRequest) -> bool:
        return self.requests.setdefault((program_id, request.request_id), request) is request

    def list(self, program_id: str) -> list[DataRequest]:
        found = [r for (p, _), r in self.requests.items() if p == program_id]
        return sorted(found, key=lambda r: r.received_at, reverse=True)

    def get(self, program_id: str, request_id: str) -> DataRequest | None:
        return self.requests.get((program_id, request_id))


class InMemoryRefusedDeliveries:
    """Refused deliveries by program, with the time each is kept until (paging is exercised against moto)."""

    def __init__(self) -> None:
        self.kept: dict[tuple[str, datetime, str, str, str], tuple[RefusedDelivery, datetime]] = {}

    def record(self, program_id: str, refused: RefusedDelivery, keep_until: datetime) -> None:
        key = (program_id, refused.received_at, refused.source, refused.topic, refused.webhook_id)
        self.kept[key] = (refused, keep_until)      # the same delivery again overwrites its record

    def page(self, program_id: str, cursor: str | None, limit: int) -> tuple[list[RefusedDelivery], str | None]:
        found = sorted((r for k, (r, _) in self.kept.items() if k[0] == program_id), key=lambda r: r.received_at,
                       reverse=True)
        return found[:limit], None


class RecordingShops:
    """Shop erasure requests, recorded (the deletion itself is exercised against moto)."""

    def __init__(self) -> None:
        self.scheduled: list[tuple[str, str, datetime]] = []

    def schedule_erasure(self, program_id: str, shop: str, now: datetime) -> None:
        self.scheduled.append((program_id, shop, now))

    def erase_slice(self, program_id: str, shop: str, limit: int) -> bool:
        return True


class StaticRules:
    """A rules source holding fixed versions (the defaults unless given)."""

    def __init__(self, *versions: ProgramRules) -> None:
        self.versions = list(versions)

    def rules_at(self, program_id: str, at: datetime) -> ProgramRules:
        return rules_at(self.versions, at)


class FakeQueue:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def put(self, message: dict[str, Any]) -> str:
        self.messages.append(message)
        return f"msg-{len(self.messages)}"

    def put_many(self, messages: Sequence[dict[str, Any]]) -> None:
        self.messages.extend(messages)


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

    def programs(self) -> list[str]:
        return sorted(set(self.shops.values()) | set(self.secrets_by_program))


class HubSpotDirectory(FakeDirectory):
    """A directory that also knows HubSpot portals and each program's HubSpot settings."""

    def __init__(self, portals: dict[str, str] | None = None, hubspot: dict[str, HubSpotSettings] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.portals = portals or {}
        self.hubspot = hubspot or {}
        self.portal_lookups: list[str] = []

    def program_for_portal(self, portal_id: str) -> str | None:
        self.portal_lookups.append(portal_id)
        return self.portals.get(portal_id)

    def hubspot_settings(self, program_id: str) -> HubSpotSettings:
        return self.hubspot.get(program_id) or HubSpotSettings(client_secrets=(), public_url="")

    def programs(self) -> list[str]:
        return sorted(set(self.hubspot) | set(self.portals.values()))


class InMemoryIdentities:
    """Identity links over an InMemoryLedger's members (the link also lands in the member's identities)."""

    def __init__(self, ledger: InMemoryLedger) -> None:
        self.ledger = ledger
        self.links = ledger.links

    def resolve(self, program_id: str, identity: Identity) -> IdentityLink | None:
        return self.links.get((program_id, identity.key))

    def link(self, program_id: str, identity: Identity, target: IdentityLink) -> IdentityLink | None:
        known = self.links.get((program_id, identity.key))
        if known is not None:
            return known
        if target.primary != identity:
            member = self.ledger.members.get((program_id, target.member_id))
            if member is None or member.erased_at:
                return None
            self.ledger.members[(program_id, target.member_id)] = replace(
                member, identities=tuple(sorted({*member.identities, identity.key})))
        self.links[(program_id, identity.key)] = target
        return target


class FakeHubSpot:
    """The HubSpotContacts port: contacts and deals held in dicts; every call recorded."""

    def __init__(self, contacts: dict[str, dict[str, str | None]] | None = None,
                 deals: dict[str, HubSpotDeal] | None = None, tickets: dict[str, HubSpotTicket] | None = None) -> None:
        self.contacts = contacts or {}
        self.deals = deals or {}
        self.tickets = tickets or {}
        self.calls: list[tuple[str, str]] = []

    def contact(self, contact_id: str, properties: Sequence[str]) -> dict[str, str | None] | None:
        self.calls.append(("contact", contact_id))
        found = self.contacts.get(contact_id)
        return None if found is None else {p: found.get(p) for p in properties}

    def deal(self, deal_id: str) -> HubSpotDeal | None:
        self.calls.append(("deal", deal_id))
        return self.deals.get(deal_id)

    def ticket(self, ticket_id: str) -> HubSpotTicket | None:
        self.calls.append(("ticket", ticket_id))
        return self.tickets.get(ticket_id)


class FakeMetrics:
    """The Metrics port: totals per (name, dimensions) since the last flush, and what each flush published."""

    def __init__(self) -> None:
        self.counted: dict[tuple[str, frozenset[tuple[str, str]]], int] = {}
        self.published: list[dict[tuple[str, frozenset[tuple[str, str]]], int]] = []

    def count(self, name: str, value: int = 1, **dimensions: str) -> None:
        assert value >= 0, (name, value)
        assert all(isinstance(v, str) for v in dimensions.values()), (name, dimensions)
        if value:
            key = (name, frozenset(dimensions.items()))
            self.counted[key] = self.counted.get(key, 0) + value

    def flush(self) -> None:
        self.published.append(self.counted)
        self.counted = {}

    def total(self, name: str, **dimensions: str) -> int:
        """Everything counted under `name` whose dimensions include these, published or not."""
        return sum(value for counts in (*self.published, self.counted) for (counted, dims), value in counts.items()
                   if counted == name and set(dimensions.items()) <= dims)


class InMemoryHistory:
    """The timeline's MemberHistory port: each member's messages and events, as given."""

    def __init__(self) -> None:
        self.by_member: dict[tuple[str, str], list[Message]] = {}
        self.events_of: dict[tuple[str, str], list[MemberEvent]] = {}

    def messages(self, program_id: str, member_id: str) -> list[Message]:
        return sorted(self.by_member.get((program_id, member_id), []), key=lambda m: m.due_at, reverse=True)

    def events(self, program_id: str, member_id: str) -> list[MemberEvent]:
        return sorted(self.events_of.get((program_id, member_id), []), key=lambda e: e.at, reverse=True)


class InMemorySegments:
    """The SegmentStore port: definitions by program and name, with the audit records written beside them."""

    def __init__(self) -> None:
        self.by_program: dict[str, dict[str, Any]] = {}
        self.audits: list[Any] = []

    def add(self, program_id: str, definition: Any, audit: Any) -> None:
        from chalicelib.domain.errors import Conflict
        stored = self.by_program.setdefault(program_id, {})
        if definition.name in stored:
            raise Conflict(f"a segment named {definition.name!r} exists already", code="segment_exists")
        stored[definition.name] = definition
        self.audits.append(audit)

    def list(self, program_id: str) -> list[Any]:
        return list(self.by_program.get(program_id, {}).values())


class FakeCampaigns:
    """The CampaignStore port: campaigns (stored as the adapter stores them, through their JSON definition) and
    enrollments by ref, each under its version; `member_entries` stands for the profiles' last entries (ce_<id>).
    With a ledger, only a member with a profile there enters, and the entry shows on it (Member.campaigns)."""

    def __init__(self, ledger: InMemoryLedger | None = None) -> None:
        self.ledger = ledger
        self.campaigns: dict[tuple[str, str], Campaign] = {}
        self.stored: dict[tuple[str, str], Enrollment] = {}                 # (program, ref) → enrollment
        self.member_entries: dict[tuple[str, str, str], datetime] = {}     # (program, member, campaign) → entered
        self.audits: list[AuditRecord] = []

    def add(self, program_id: str, campaign: Campaign, audit: AuditRecord) -> None:
        if (program_id, campaign.campaign_id) in self.campaigns:
            raise DuplicateEntry(f"a campaign with id {campaign.campaign_id!r} exists already")
        self._store(program_id, campaign, audit)

    def replace(self, program_id: str, campaign: Campaign, expected_version: int, audit: AuditRecord) -> None:
        stored = self.campaigns.get((program_id, campaign.campaign_id))
        if stored is None or stored.version != expected_version:
            raise ConcurrentChange(f"the campaign is no longer at version {expected_version}")
        self._store(program_id, campaign, audit)

    def get(self, program_id: str, campaign_id: str) -> Campaign | None:
        return self.campaigns.get((program_id, campaign_id))

    def list(self, program_id: str) -> list[Campaign]:
        return [c for (p, _), c in sorted(self.campaigns.items()) if p == program_id]

    def enter(self, program_id: str, enrollment: Enrollment, previous_entry: datetime | None, now: datetime) -> bool:
        entry = (program_id, enrollment.member_id, enrollment.campaign_id)
        if ((program_id, enrollment.ref) in self.stored or self.member_entries.get(entry) != previous_entry
                or (self.ledger is not None and (program_id, enrollment.member_id) not in self.ledger.members)):
            return False
        self.stored[(program_id, enrollment.ref)] = enrollment
        self.member_entries[entry] = enrollment.entered_at
        if self.ledger is not None:
            member = self.ledger.members[(program_id, enrollment.member_id)]
            self.ledger.members[(program_id, member.member_id)] = replace(
                member, campaigns={**member.campaigns, enrollment.campaign_id: enrollment.entered_at})
        return True

    def enrollment(self, program_id: str, ref: str) -> Enrollment | None:
        return self.stored.get((program_id, ref))

    def update(self, program_id: str, enrollment: Enrollment, now: datetime) -> bool:
        stored = self.stored.get((program_id, enrollment.ref))
        if stored is None or stored.version != enrollment.version:
            return False
        self.stored[(program_id, enrollment.ref)] = replace(enrollment, version=enrollment.version + 1)
        return True

    def clicked(self, program_id: str, ref: str, at: datetime, now: datetime) -> bool:
        e = self.stored.get((program_id, ref))
        if e is None:
            return False
        moved: dict[str, Any] = {}
        if e.clicked_at is None or e.clicked_at < at:
            moved["clicked_at"] = at
        if e.status == WALKING and e.due_at is not None and e.due_at > at:
            moved["due_at"] = at
        if moved:
            self.stored[(program_id, ref)] = replace(e, **moved, version=e.version + 1)
        return e.status == WALKING

    def enrollments(self, program_id: str, campaign_id: str) -> Iterator[Enrollment]:
        found = [e for (p, _), e in self.stored.items() if p == program_id and e.campaign_id == campaign_id]
        return iter(sorted(found, key=lambda e: (e.member_id, e.entered_at)))

    def due(self, program_id: str, until: datetime) -> list[str]:
        """The refs of the enrollments due by `until`, oldest first (to the second, as the Due index keeps them)."""
        found = [e for (p, _), e in self.stored.items() if p == program_id and e.due_at is not None
                 and e.due_at.replace(microsecond=0) <= until.replace(microsecond=0)]
        return [e.ref for e in sorted(found, key=lambda e: e.due_at or until)]

    def _store(self, program_id: str, campaign: Campaign, audit: AuditRecord) -> None:
        definition = {**campaign.definition(), **({"template": campaign.template} if campaign.template else {})}
        self.campaigns[(program_id, campaign.campaign_id)] = from_stored(
            campaign.campaign_id, json.loads(json.dumps(definition)), status=campaign.status, version=campaign.version,
            created_at=campaign.created_at, updated_at=campaign.updated_at, activated_at=campaign.activated_at)
        self.audits.append(audit)
