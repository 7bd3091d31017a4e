"""The CRM sync job: members whose balances or tier moved go to HubSpot and Shopify, a minute after the first change.

Ledger changes mark the member (one small item, coalescing every change until the sync); the job reads the
marks that are due, pushes 100 members per call, records each member's status per connector and clears the
mark only if the member did not change meanwhile. Failures come back with backoff through the mark's due time
and give up after MAX_ATTEMPTS (the next change marks the member again); HubSpot's daily limit pauses HubSpot
for the program until it resets. A program without credentials costs nothing: no reads, no calls, no logs.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.crm_facts import member_facts
from chalicelib.domain.due import CRM_SYNC_TASK
from chalicelib.domain.errors import ConnectorRejected, ConnectorUnavailable, DailyLimitReached
from chalicelib.domain.ledger import Member
from chalicelib.domain.program import ProgramRules
from chalicelib.domain.standing import standing
from chalicelib.services.crm_admin import ensure_hubspot_ready
from chalicelib.services.crm_push import HUBSPOT, SHOPIFY, Pushed, all_failed, push_hubspot, push_shopify
from chalicelib.services.jobs import JobReport
from chalicelib.services.ports.connectors import ConnectorStatus, CrmConnectors, CrmSyncStore, DirtyMember
from chalicelib.services.ports.due import DueItem, DueWork
from chalicelib.services.ports.programs import RulesSource

BATCH = 100                      # HubSpot's batch size
MAX_ATTEMPTS = 8
FIRST_RETRY, LAST_RETRY = timedelta(minutes=1), timedelta(hours=2)
DAILY_LIMIT = "HubSpot's daily API limit is reached"


def sync_crm(program_id: str, now: datetime, connectors: CrmConnectors, store: CrmSyncStore, due: DueWork,
             rules: RulesSource, limit: int = 500, should_stop: Callable[[], bool] = lambda: False) -> JobReport:
    report = JobReport()
    if connectors.hubspot is None and connectors.shopify is None:
        return report
    items = due.due(program_id, CRM_SYNC_TASK, now)
    run = _Run(program_id, now, connectors, store, rules.rules_at(program_id, now))
    stays: list[DueItem] = []
    while items and report.done + len(report.failed) < limit and not should_stop():
        batch, items = items[:BATCH], items[BATCH:]
        cleared = run.batch([i.ref for i in batch], report)
        stays += [i for i in batch if i.ref not in cleared]
    due.advance(program_id, CRM_SYNC_TASK, min((i.due_at.date() for i in stays + items), default=now.date()))
    return report


@dataclass
class _Run:
    program_id: str
    now: datetime
    connectors: CrmConnectors
    store: CrmSyncStore
    rules: ProgramRules
    hubspot_paused_until: datetime | None = None
    hubspot_checked: bool = False

    def batch(self, member_ids: Sequence[str], report: JobReport) -> set[str]:
        """Push one batch; the members whose mark is gone or moved to a later time."""
        every = self.store.load(self.program_id, member_ids)
        loaded = [d for d in every if d.changes]     # no mark: the index lagged behind a run that cleared it
        members: list[Member] = []
        facts: dict[str, dict[str, str]] = {}
        for d in loaded:
            if d.member is not None and d.member.erased_at is None:
                members.append(d.member)
                facts[d.member_id] = member_facts(d.member, standing(d.member, self.rules, self.now),
                                                  d.last_review_request)
        pushed = {HUBSPOT: self._hubspot(members, facts), SHOPIFY: self._shopify(members, facts)}
        statuses = {d.member_id: {name: self._status(name, p, d) for name, p in pushed.items()} for d in loaded}
        self.store.record(self.program_id, statuses)
        moved = {d.member_id for d in every if not d.changes}
        for d in loaded:
            retry = self._retry_at(statuses[d.member_id], pushed)
            if retry is not None:
                self.store.retry_at(self.program_id, d.member_id, retry, self.now)
                moved.add(d.member_id)
                report.failed.append(d.member_id)
                continue
            report.done += 1
            if self.store.clear(self.program_id, d.member_id, d.changes):
                moved.add(d.member_id)       # else it changed meanwhile: it stays due where it is
        return moved

    def _hubspot(self, members: Sequence[Member], facts: dict[str, dict[str, str]]) -> Pushed | None:
        client = self.connectors.hubspot
        if client is None:
            return None
        if not self.hubspot_checked:
            self.hubspot_checked = True
            self.hubspot_paused_until = self.store.connector_state(self.program_id, HUBSPOT).paused_until
        if self.hubspot_paused_until and self.hubspot_paused_until > self.now:
            return all_failed(members, DAILY_LIMIT, self.hubspot_paused_until)
        try:
            ensure_hubspot_ready(self.program_id, self.now, self.connectors, self.store)
            return push_hubspot(client, facts, members)
        except DailyLimitReached as e:
            self.hubspot_paused_until = e.retry_at
            self.store.pause(self.program_id, HUBSPOT, e.retry_at)
            return all_failed(members, DAILY_LIMIT, e.retry_at)
        except (ConnectorUnavailable, ConnectorRejected) as e:      # setting up the properties failed
            return all_failed(members, e.message)

    def _shopify(self, members: Sequence[Member], facts: dict[str, dict[str, str]]) -> Pushed | None:
        if self.connectors.shopify is None:
            return None
        return push_shopify(self.connectors.shopify, facts, members, self.connectors.shop)

    def _status(self, name: str, pushed: Pushed | None, d: DirtyMember) -> ConnectorStatus:
        if pushed is None:
            return ConnectorStatus("not configured")
        m = d.member_id
        if d.member is None or d.member.erased_at is not None:
            return ConnectorStatus("skipped", self.now, "the member was erased")
        if m in pushed.ok:
            return ConnectorStatus("ok", self.now)
        if m in pushed.skipped:
            return ConnectorStatus("skipped", self.now, pushed.skipped[m])
        previous = d.statuses.get(name)
        given_up = previous is not None and previous.attempts >= MAX_ATTEMPTS   # a new change starts afresh
        before = previous.attempts if previous and previous.status == "failed" and not given_up else 0
        counts = pushed.retry_at is None            # waiting out a platform limit is not the member's failure
        return ConnectorStatus("failed", self.now, pushed.failed.get(m, "not sent"), before + int(counts))

    def _retry_at(self, statuses: dict[str, ConnectorStatus], pushed: dict[str, Pushed | None]) -> datetime | None:
        """When to try the member again; None when it is done (or given up until it changes again)."""
        times = []
        for name, status in statuses.items():
            p = pushed[name]
            if status.status != "failed" or p is None:
                continue
            if p.retry_at is not None:
                times.append(p.retry_at)
            elif status.attempts < MAX_ATTEMPTS:
                times.append(self.now + min(LAST_RETRY, FIRST_RETRY * 2 ** (status.attempts - 1)))
        return min(times, default=None)
