"""Campaign job scaling: the `campaigns` job over populations of different sizes with the same steps due.

For each size: what the due-work job bench prepares (jobs.JobBench: a fresh table, the population bulk-loaded
untimed, here with no member due for inactivity), then one active campaign (send "hello", then wait 7 days, no
holdout) stored through the app's DynamoDBCampaigns, and `due` members, spread over the population, entered an hour
before `now`. The job then runs twice at `now` with the app's adapters: the first run sends each entered member its
message and moves its enrollment on to the wait; the second (steady state) finds nothing due. Round trips, items
written and write units are counted as for the worker's events.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from chalicelib import bootstrap
from chalicelib.domain import campaigns as c
from chalicelib.domain.audit import audit_record
from chalicelib.observability import logger
from chalicelib.services.campaign_run import RunDeps, run_campaigns
from chalicelib.services.jobs import JobReport
from infra.bench.costs import CostModel
from infra.bench.jobs import DUE, SIZES, JobBench, Scaling, job_scaling
from infra.bench.population import due_indices, member_id

CAMPAIGN = c.Campaign(
    campaign_id="bench-hello", name="Bench hello", audience={}, trigger=c.AUDIENCE,
    steps=(c.Step("hello", c.SEND, {"subject": "Hi", "blocks": [{"markdown": "Hello"}], "cta": None}),
           c.Step("later", c.WAIT, {"days": 7})),
    holdout_percent=0, status=c.ACTIVE)
ENTERED_BEFORE = timedelta(hours=1)


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at


@contextmanager
def _quiet() -> Iterator[None]:
    """The run logs each enrollment's steps at INFO: kept out of the bench's output (warnings still show)."""
    log = logging.getLogger(logger.name)
    level = log.level
    log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        log.setLevel(level)


def _no_grant(member: Any, offer: Any, key: str, now: datetime) -> tuple[int, Decimal]:
    return 0, Decimal(0)   # the bench campaign has no grant step


class CampaignBench(JobBench):
    def prepare(self, size: int, due: int, now: datetime) -> tuple[CostModel, float]:
        """The job bench's table and population (no member due for inactivity), the campaign, `due` members in it."""
        model, seconds = super().prepare(size, 0, now)
        store, at = bootstrap.get_campaigns(), now - ENTERED_BEFORE
        campaign = replace(CAMPAIGN, created_at=at, updated_at=at, activated_at=at)
        store.add(self.program_id, campaign,
                  audit_record("system:bench", at, "campaign.create", f"campaign:{campaign.campaign_id}"))
        for n in due_indices(size, due):
            member = member_id(self.program_id, self.shop, n)
            if not store.enter(self.program_id, c.enter(campaign, self.program_id, member, at), None, at):
                raise RuntimeError(f"member {n} did not enter the bench campaign")
        model.cost(self.recorder.take())
        return model, seconds

    def job(self, now: datetime) -> JobReport:
        deps = RunDeps(bootstrap.get_campaigns(), bootstrap.get_ledger(), bootstrap.get_outbox(), _no_grant,
                       _Clock(now))
        with _quiet():
            return run_campaigns(self.program_id, now, bootstrap.get_due_work(), deps)


def campaign_scaling(client: Any, reader: Any, table: str, sizes: Sequence[int] = SIZES, due: int = DUE,
                     threads: int = 4, now: datetime | None = None) -> Scaling:
    """Run the `campaigns` job twice over each population size, each with `due` members' first step due; the table
    is reset."""
    return job_scaling(client, reader, table, sizes, due, threads, now, CampaignBench)
