"""Campaigns at work: members enter at the nightly run, and the `campaigns` job walks the steps that are due.

Entry costs nothing extra to find: the nightly journey run reads every member once anyway, and asks `Entries.of` for
each (a write only for a member who enters). The job reads only the Due index's campaign items that are due, so its
cost follows the steps due, never the number of members.

A step's message is created in the outbox with a key of (enrollment, step): it is created once however often the step
runs, and the dispatcher applies every gate to it (consent, suppression, the one frequency cap, quiet hours). An offer
is granted with the same key (services/offers.py grants once per key). So a run that stops half-way, or two runs at
once, do each step's effect once; the enrollment's own update is conditional on the version read.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain import campaigns as c
from chalicelib.domain import segment_rules
from chalicelib.domain.due import CAMPAIGN_TASK
from chalicelib.domain.errors import NotFound
from chalicelib.domain.ledger import Member
from chalicelib.domain.messages import new_message
from chalicelib.domain.segment_rules import SegmentDefinition
from chalicelib.observability import logger
from chalicelib.services.jobs import JobReport, run_due
from chalicelib.services.merges import current_member
from chalicelib.services.ports.campaigns import CampaignStore
from chalicelib.services.ports.clock import Clock
from chalicelib.services.ports.due import DueItem, DueWork
from chalicelib.services.ports.ledger import LedgerRepository
from chalicelib.services.ports.mail import Outbox

CAMPAIGN_MESSAGE = "campaign_message"
PAUSED_RECHECK = timedelta(days=1)       # a paused campaign's members are looked at again daily
UPDATE_TRIES = 3                         # a click may move the enrollment meanwhile: read it again, walk again

Grant = Callable[[Member, Any, str, datetime], tuple[int, Decimal]]   # (member, offer JSON, key, now) → points, cost


@dataclass(frozen=True)
class Entries:
    """The program's active campaigns, their audiences resolved, for one nightly task."""

    program_id: str
    active: tuple[tuple[c.Campaign, Mapping[str, Any] | None], ...]
    zone: ZoneInfo
    since: datetime                      # the previous run's as_of: date triggers look at the days after it

    @classmethod
    def load(cls, program_id: str, store: CampaignStore, segments: Sequence[SegmentDefinition], zone: ZoneInfo,
             since: datetime) -> Entries:
        custom = {s.name: s.match for s in segments}
        active = tuple((k, c.audience_predicate(k, custom)) for k in store.list(program_id) if k.status == c.ACTIVE)
        return cls(program_id, active, zone, since)

    def of(self, view: segment_rules.MemberView, now: datetime, store: CampaignStore, filed_at: datetime) -> int:
        """Enter the member into each active campaign it enters at `now` (the run's time; `filed_at`, the clock's,
        files the first step in the Due index); how many it entered."""
        entered = 0
        for campaign, predicate in self.active:
            at = c.entry_time(campaign, predicate, view, self.since, now, self.zone)
            if at is None:
                continue
            enrollment = c.enter(campaign, self.program_id, view.member.member_id, at)
            if store.enter(self.program_id, enrollment, view.member.campaigns.get(campaign.campaign_id), filed_at):
                entered += 1
        return entered


@dataclass
class RunDeps:
    store: CampaignStore
    ledger: LedgerRepository
    outbox: Outbox
    grant: Grant
    clock: Clock                         # files the next step in the Due index (business time is the job's `now`)
    campaigns: dict[str, c.Campaign | None] = field(default_factory=dict)    # read once per run

    def campaign(self, program_id: str, campaign_id: str) -> c.Campaign | None:
        if campaign_id not in self.campaigns:
            self.campaigns[campaign_id] = self.store.get(program_id, campaign_id)
        return self.campaigns[campaign_id]


def run_campaigns(program_id: str, now: datetime, due: DueWork, deps: RunDeps) -> JobReport:
    """Walk every enrollment whose next step is due at `now`."""
    return run_due(program_id, CAMPAIGN_TASK, now, due, lambda item: walk(program_id, item, now, deps))


def walk(program_id: str, item: DueItem, now: datetime, deps: RunDeps) -> None:
    for _ in range(UPDATE_TRIES):
        enrollment = deps.store.enrollment(program_id, item.ref)
        if enrollment is None or enrollment.due_at is None:
            return                                            # unknown, or finished meanwhile
        after = _step(program_id, enrollment, now, deps)
        if deps.store.update(program_id, after, deps.clock.now()):
            return
    raise RuntimeError(f"campaign enrollment {item.ref} kept moving: {UPDATE_TRIES} tries")


def _step(program_id: str, e: c.Enrollment, now: datetime, deps: RunDeps) -> c.Enrollment:
    campaign = deps.campaign(program_id, e.campaign_id)
    if campaign is None:
        return replace(e, status=c.EXITED, due_at=None, finished_at=now, reason="the campaign was removed")
    if campaign.status != c.ACTIVE:
        return replace(e, due_at=now + PAUSED_RECHECK)
    member = survivor(deps.ledger, program_id, e.member_id)     # a member merged since: the one it became
    if member is None or member.erased_at is not None:
        return replace(e, status=c.EXITED, due_at=None, finished_at=now, reason="the member is gone")
    progress = c.advance(campaign, e, segment_rules.MemberView.of(member), now)
    points, cost = 0, Decimal(0)
    for action in progress.actions:
        key = action.key(program_id, e)
        if action.step.type == c.SEND:
            deps.outbox.schedule(program_id, campaign_message(key, campaign, e, action.step, now, member.member_id),
                                 now)
        else:
            granted, spent = deps.grant(member, action.step.spec["offer"], key, now)
            points, cost = points + granted, cost + spent
    if progress.actions:
        logger.info("campaign_steps", extra={"program_id": program_id, "campaign_id": campaign.campaign_id,
                                             "steps": [a.step.id for a in progress.actions]})
    return replace(progress.enrollment, points_granted=progress.enrollment.points_granted + points,
                   offer_cost=progress.enrollment.offer_cost + cost)


def survivor(ledger: LedgerRepository, program_id: str, member_id: str) -> Member | None:
    """The member, or the one it was merged into; None when there is none."""
    try:
        return current_member(ledger, program_id, member_id)
    except NotFound:
        return None


def campaign_message(key: str, campaign: c.Campaign, e: c.Enrollment, step: c.Step, now: datetime,
                     member_id: str) -> Any:
    spec = step.spec
    return new_message(key, member_id, CAMPAIGN_MESSAGE, now, {
        "campaign_id": campaign.campaign_id, "campaign_name": campaign.name, "enrollment": e.ref, "step": step.id,
        "subject": spec["subject"], "preheader": spec.get("preheader"), "blocks": list(spec["blocks"]),
        "cta": spec.get("cta")})


@dataclass(frozen=True)
class ClickProgress:
    """A person's click on a campaign mail (services/engagement.py): a step waiting for a click goes on at the next
    run (the enrollment comes due at the click)."""

    store: CampaignStore
    clock: Clock

    def clicked(self, program_id: str, enrollment: str, at: datetime) -> None:
        self.store.clicked(program_id, enrollment, at, self.clock.now())
