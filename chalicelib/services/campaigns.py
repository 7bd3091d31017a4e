"""Campaigns through the admin API: defined (checked field by field), edited, activated and paused — every change
audited — previewed, and reported against their holdout.

The report reads the campaign's enrollments and each entrant's profile (a cost that follows the entrants, never the
program's members) and compares the treatment with the holdout on the goal: an order within the goal's days of entry.
"""
from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain import campaign_templates
from chalicelib.domain import campaigns as c
from chalicelib.domain import holdout as ho
from chalicelib.domain.audit import audit_record
from chalicelib.domain.errors import Conflict, InvalidRequest, NotFound
from chalicelib.domain.segment_rules import MemberView, SegmentDefinition
from chalicelib.services.campaign_run import survivor
from chalicelib.services.ports.campaigns import CampaignStore
from chalicelib.services.ports.journey import MemberShards
from chalicelib.services.ports.ledger import LedgerRepository
from chalicelib.services.ports.programs import ApiKey

INVALID = "invalid_campaign"
PREVIEW_READS = 2000
PAGE = 100
SAMPLE = 10


@dataclass(frozen=True)
class Checks:
    """What a definition is checked against: the program's content and offer rules, segments and HubSpot fields."""

    content: c.ContentCheck
    offer: c.OfferCheck
    segments: Sequence[SegmentDefinition] = ()
    synced: Sequence[str] = ()
    store_url: str = ""
    zone: str = "UTC"                   # the program's time zone: birthdays and anniversaries


def define(raw: Any, caller: ApiKey, now: datetime, store: CampaignStore, checks: Checks) -> c.Campaign:
    """A new draft campaign, from a definition or `{"template": name}` (a built-in journey, with any of its fields
    given beside it replacing the template's)."""
    campaign_id = "cmp_" + secrets.token_hex(6)
    campaign = replace(_parse(_with_template(raw, checks), campaign_id, checks), created_at=now, updated_at=now)
    store.add(caller.program_id, campaign, audit_record(caller.key_id, now, "campaign.create",
                                                        f"campaign:{campaign_id}", after=_snapshot(campaign)))
    return campaign


def redefine(campaign_id: str, raw: Any, caller: ApiKey, now: datetime, store: CampaignStore,
             checks: Checks) -> c.Campaign:
    """Replace a draft or paused campaign's definition (an active one must be paused first)."""
    before = _found(caller.program_id, campaign_id, store)
    if before.status == c.ACTIVE:
        raise Conflict("pause the campaign before changing it", code="campaign_active")
    parsed = _parse(_with_template(raw, checks), campaign_id, checks)
    after = replace(parsed, status=before.status, version=before.version + 1, created_at=before.created_at,
                    updated_at=now, activated_at=before.activated_at, template=parsed.template or before.template)
    store.replace(caller.program_id, after, before.version, audit_record(
        caller.key_id, now, "campaign.update", f"campaign:{campaign_id}", before=_snapshot(before),
        after=_snapshot(after)))
    return after


def set_status(campaign_id: str, status: str, caller: ApiKey, now: datetime, store: CampaignStore) -> c.Campaign:
    """Activate (members enter from the next nightly run) or pause (no one enters, walks wait) a campaign."""
    before = _found(caller.program_id, campaign_id, store)
    if before.status == status:
        return before
    after = replace(before, status=status, version=before.version + 1, updated_at=now,
                    activated_at=now if status == c.ACTIVE else before.activated_at)
    action = "campaign.activate" if status == c.ACTIVE else "campaign.pause"
    store.replace(caller.program_id, after, before.version, audit_record(
        caller.key_id, now, action, f"campaign:{campaign_id}", before={"status": before.status},
        after={"status": status}))
    return after


def get(program_id: str, campaign_id: str, store: CampaignStore) -> c.Campaign:
    return _found(program_id, campaign_id, store)


def listed(program_id: str, store: CampaignStore) -> list[c.Campaign]:
    return sorted(store.list(program_id), key=lambda k: (k.created_at or datetime.min.astimezone(), k.campaign_id))


@dataclass(frozen=True)
class Preview:
    members: int                 # who would enter at a run now, among the profiles read
    sample: list[MemberView]     # the first few of them
    sampled: int                 # live profiles read
    exact: bool                  # every profile was read


def preview(raw: Any, program_id: str, now: datetime, shards: MemberShards, checks: Checks,
            since: datetime | None = None) -> Preview:
    """Who would enter the defined campaign at a nightly run now (the previous one a day ago): read like a segment
    preview, at most PREVIEW_READS profiles."""
    campaign = replace(_parse(_with_template(raw, checks), "cmp_preview", checks), status=c.ACTIVE)
    predicate = c.audience_predicate(campaign, {s.name: s.match for s in checks.segments})
    zone = ZoneInfo(checks.zone)
    previous = since or now - timedelta(days=1)
    matched, sampled, read = 0, 0, 0
    sample: list[MemberView] = []
    shard, after = 0, None
    while shard < shards.shards and read < PREVIEW_READS:
        page = shards.page(program_id, shard, after, min(PAGE, PREVIEW_READS - read))
        read += len(page.members)
        for member in page.members:
            if member.merged_into is not None or member.erased_at is not None:
                continue
            sampled += 1
            view = MemberView.of(member)
            if c.entry_time(campaign, predicate, view, previous, now, zone) is not None:
                matched += 1
                if len(sample) < SAMPLE:
                    sample.append(view)
        shard, after = (shard, page.after) if page.after else (shard + 1, None)
    return Preview(matched, sample, sampled, exact=shard >= shards.shards)


@dataclass(frozen=True)
class GroupResult:
    members: int
    converted: int
    orders: int
    revenue: Decimal
    points_granted: int

    @property
    def conversion_rate(self) -> float | None:
        return self.converted / self.members if self.members else None


@dataclass(frozen=True)
class Report:
    campaign: c.Campaign
    entered: int
    treatment: GroupResult
    holdout: GroupResult
    lift: ho.Lift
    in_goal_window: int          # entrants whose goal window has not closed yet (counted as not converted so far)
    as_of: datetime


def report(program_id: str, campaign_id: str, now: datetime, store: CampaignStore,
           ledger: LedgerRepository) -> Report:
    """Treatment against holdout on the goal, with the lift, its 95 % interval and the offers' cost."""
    campaign = _found(program_id, campaign_id, store)
    groups: dict[bool, list[tuple[c.Enrollment, c.Outcome]]] = {False: [], True: []}
    open_windows = 0
    for e in store.enrollments(program_id, campaign_id):
        member = survivor(ledger, program_id, e.member_id)
        groups[e.holdout].append((e, c.goal_outcome(member, e.entered_at, campaign.goal_days, now)))
        open_windows += e.entered_at + timedelta(days=campaign.goal_days) > now
    treated, held = _group(groups[False]), _group(groups[True])
    offer_cost = sum(                       # valued when granted, at the point value then
(e.offer_cost for e, _ in groups[False]), Decimal(0))
    lift = ho.lift(ho.Group(treated.members, treated.converted, treated.revenue),
                   ho.Group(held.members, held.converted, held.revenue), offer_cost)
    return Report(campaign, treated.members + held.members, treated, held, lift, open_windows, now)


def _group(rows: list[tuple[c.Enrollment, c.Outcome]]) -> GroupResult:
    return GroupResult(members=len(rows), converted=sum(o.converted for _, o in rows),
                       orders=sum(o.orders for _, o in rows), revenue=sum((o.revenue for _, o in rows), Decimal(0)),
                       points_granted=sum(e.points_granted for e, _ in rows))


def _with_template(raw: Any, checks: Checks) -> Any:
    if not isinstance(raw, dict) or "template" not in raw:
        return raw
    name = raw["template"]
    base = campaign_templates.from_template(name, checks.store_url) if isinstance(name, str) else None
    if base is None:
        raise InvalidRequest(f"template: one of {', '.join(campaign_templates.TEMPLATES)}", code=INVALID)
    return {**base, **raw}


def _parse(raw: Any, campaign_id: str, checks: Checks) -> c.Campaign:
    campaign, problems = c.parse_definition(raw, campaign_id, checks.content, checks.offer,
                                            [s.name for s in checks.segments], checks.synced)
    if campaign is None:
        raise InvalidRequest("; ".join(problems), code=INVALID)
    return campaign


def _found(program_id: str, campaign_id: str, store: CampaignStore) -> c.Campaign:
    found = store.get(program_id, campaign_id)
    if found is None:
        raise NotFound(f"no campaign {campaign_id}", code="campaign_not_found")
    return found


def _snapshot(campaign: c.Campaign) -> Mapping[str, Any]:
    return {"status": campaign.status, "version": campaign.version, **campaign.definition()}

