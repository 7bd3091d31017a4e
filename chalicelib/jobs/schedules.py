"""Scheduled jobs. Each takes "now" from its EventBridge event, so `make job AT=...` can run it as of any time."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Cron, Rate
from chalice.app import CloudWatchEvent, SQSEvent

from chalicelib import bootstrap
from chalicelib.observability import logger, observed
from chalicelib.services.ports.metrics import DUE_ITEMS_PARKED

if TYPE_CHECKING:
    from chalicelib.services.jobs import JobReport

# Each job imports its service when it runs: the other functions (the API among them) load this module too.
bp = Blueprint(__name__)
invocation = observed(bootstrap.get_metrics)


def event_time(event: CloudWatchEvent) -> datetime:
    return datetime.fromisoformat(event.time.replace("Z", "+00:00"))


def _run_programs(name: str, event: CloudWatchEvent, run: Callable[[str, datetime], Any], quiet: bool) -> dict:
    """Run the job for each program in turn: one program's failure is logged and the others still run."""
    now = event_time(event)
    results: dict[str, Any] = {}
    for program_id in bootstrap.get_directory().programs():
        try:
            result = run(program_id, now)
        except Exception:
            logger.exception("job_program_failed", extra={"job": name, "program_id": program_id})
            results[program_id] = {"error": True}
            continue
        if result or not quiet:
            results[program_id] = result
    if results or not quiet:
        logger.info("job_done", extra={"job": name, "at": now.isoformat(), "programs": results})
    return results


def _for_each_program(name: str, event: CloudWatchEvent, run: Callable[[str, datetime], JobReport]) -> dict:
    """Run a Due-index job for every program; items parked by the run are counted in the DueItemsParked metric."""
    def summary(program_id: str, now: datetime) -> dict[str, int]:
        report = run(program_id, now)
        bootstrap.get_metrics().count(DUE_ITEMS_PARKED, len(report.parked))
        return {"done": report.done, "failed": len(report.failed)}

    return _run_programs(name, event, summary, quiet=False)


@bp.schedule(Rate(15, unit=Rate.MINUTES), name="orders_due")
@invocation
def orders_due(event: CloudWatchEvent) -> dict[str, Any]:
    """Pending points whose hold ended become spendable; award lots whose time came expire."""
    from chalicelib.services import jobs

    return _for_each_program("orders_due", event, lambda program_id, now: jobs.orders_due(
        program_id, now, bootstrap.get_ledger(), bootstrap.get_due_work(), bootstrap.get_rules(),
        bootstrap.get_clock()))


@bp.schedule(Cron(30, 2, "*", "*", "?", "*"), name="expire_inactive")
@invocation
def expire_inactive(event: CloudWatchEvent) -> dict[str, Any]:
    """Daily: whole balances of members inactive for the configured months expire."""
    from chalicelib.services import jobs

    return _for_each_program("expire_inactive", event, lambda program_id, now: jobs.expire_inactive(
        program_id, now, bootstrap.get_ledger(), bootstrap.get_due_work(), bootstrap.get_rules()))


@bp.schedule(Cron(45, 2, "*", "*", "?", "*"), name="review_tiers")
@invocation
def review_tiers(event: CloudWatchEvent) -> dict[str, Any]:
    """Daily: members whose yearly tier review is due keep, gain or lose their tier."""
    from chalicelib.services import jobs

    return _for_each_program("review_tiers", event, lambda program_id, now: jobs.review_tiers(
        program_id, now, bootstrap.get_ledger(), bootstrap.get_due_work(), bootstrap.get_rules()))


@bp.schedule(Rate(15, unit=Rate.MINUTES), name="erase_shops")
@invocation
def erase_shops(event: CloudWatchEvent) -> dict[str, Any]:
    """shop/redact: removes, in slices, everything an uninstalled shop brought in."""
    from chalicelib.services import shops

    return _for_each_program("erase_shops", event, lambda program_id, now: shops.erase_shops(
        program_id, now, bootstrap.get_shops(), bootstrap.get_due_work()))


@bp.schedule(Rate(5, unit=Rate.MINUTES), name="dispatch_messages")
@invocation
def dispatch_messages(event: CloudWatchEvent) -> dict[str, Any]:
    """Due messages: claimed, gated (consent, suppression, unsubscribe, cap, quiet hours), sent through SES."""
    from chalicelib.jobs.figures import CountingOutbox
    from chalicelib.services import messaging

    return _for_each_program("dispatch_messages", event, lambda program_id, now: messaging.dispatch_messages(
        program_id, now, bootstrap.get_due_work(), CountingOutbox(bootstrap.get_outbox(), bootstrap.get_metrics()),
        bootstrap.get_ledger(), bootstrap.get_profiles(), bootstrap.get_composer(), bootstrap.get_mailer(),
        bootstrap.get_directory().messaging(program_id), bootstrap.get_rules(),
        bootstrap.get_connector_clients().for_program(program_id).shopify, bootstrap.get_feedback_store(),
        bootstrap.get_rewards()))


@bp.schedule(Rate(1, unit=Rate.MINUTES), name="register_discounts")
@invocation
def register_discounts(event: CloudWatchEvent) -> dict[str, Any]:
    """Reward codes to register with Shopify: new ones, and transient failures whose backoff is over."""
    from chalicelib.services import redemptions

    return _for_each_program("register_discounts", event, lambda program_id, now: redemptions.register_due(
        program_id, now, bootstrap.get_redemptions(), bootstrap.get_ledger(), bootstrap.get_due_work(),
        bootstrap.get_connector_clients().for_program(program_id).shopify))


SYNC_TIME_RESERVE_MS = 20_000     # stop starting batches when less than this is left of the function's time


def time_is_short(event: CloudWatchEvent | SQSEvent) -> Callable[[], bool]:
    remaining = getattr(event.context, "get_remaining_time_in_millis", None)
    return (lambda: remaining() < SYNC_TIME_RESERVE_MS) if callable(remaining) else (lambda: False)


def _for_each_connected_program(name: str, event: CloudWatchEvent, run: Callable[[str, datetime], Any]) -> dict:
    """Like _for_each_program, but idle programs (an empty result) log nothing."""
    return _run_programs(name, event, run, quiet=True)


@bp.schedule(Rate(1, unit=Rate.MINUTES), name="sync_crm")
@invocation
def sync_crm(event: CloudWatchEvent) -> dict[str, Any]:
    """Members whose balances or tier moved a minute ago or more: pushed to HubSpot and Shopify (when configured)."""
    from chalicelib.services import crm_sync

    def run(program_id: str, now: datetime) -> dict[str, int]:
        report = crm_sync.sync_crm(program_id, now, bootstrap.get_connector_clients().for_program(program_id),
                                   bootstrap.get_crm_sync(), bootstrap.get_due_work(), bootstrap.get_rules(),
                                   should_stop=time_is_short(event))
        return {"done": report.done, "failed": len(report.failed)} if report.done or report.failed else {}
    return _for_each_connected_program("sync_crm", event, run)


@bp.schedule(Rate(1, unit=Rate.DAYS), name="hubspot_setup")
@invocation
def hubspot_setup(event: CloudWatchEvent) -> dict[str, Any]:
    """The `loyalty` contact properties in HubSpot, created once per account (the sync also checks before pushing)."""
    from chalicelib.services import crm_admin

    def run(program_id: str, now: datetime) -> dict[str, bool]:
        connectors = bootstrap.get_connector_clients().for_program(program_id)
        done = crm_admin.ensure_hubspot_ready(program_id, now, connectors, bootstrap.get_crm_sync())
        return {"set_up": True} if done else {}
    return _for_each_connected_program("hubspot_setup", event, run)


@bp.schedule(Rate(5, unit=Rate.MINUTES), name="feedback_followup")
@invocation
def feedback_followup(event: CloudWatchEvent) -> dict[str, Any]:
    """Unhappy survey answers: a HubSpot task on the customer's contact and the merchant's alert, once per survey."""
    from chalicelib.services import feedback_followup as fup

    def run(program_id: str, now: datetime) -> JobReport:
        deps = fup.FollowUpDeps(bootstrap.get_feedback_store(), bootstrap.get_ledger(), bootstrap.get_outbox(),
                                bootstrap.get_followups(), bootstrap.get_mailer(),
                                bootstrap.get_directory().messaging(program_id),
                                bootstrap.get_connector_clients().for_program(program_id).tasks)
        return fup.follow_up_due(program_id, now, bootstrap.get_due_work(), deps)
    return _for_each_program("feedback_followup", event, run)


@bp.schedule(Rate(15, unit=Rate.MINUTES), name="campaigns")
@invocation
def campaigns(event: CloudWatchEvent) -> dict[str, Any]:
    """Campaign members whose next step is due: waits ended, clicks awaited, messages created, offers granted."""
    from chalicelib.services import campaign_run

    def run(program_id: str, now: datetime) -> JobReport:
        return campaign_run.run_campaigns(program_id, now, bootstrap.get_due_work(),
                                          campaign_run.RunDeps(bootstrap.get_campaigns(), bootstrap.get_ledger(),
                                                               bootstrap.get_outbox(),
                                                               bootstrap.get_offer_grant(program_id),
                                                               bootstrap.get_clock()))
    return _for_each_program("campaigns", event, run)


@bp.schedule(Rate(1, unit=Rate.HOURS), name="reconcile")
@invocation
def reconcile(event: CloudWatchEvent) -> dict[str, Any]:
    """Orders (Shopify) and contacts (HubSpot) changed since the last run that the webhooks never brought: applied
    through the worker's own path, and recorded as repairs."""
    from chalicelib.jobs.reconcile import reconcile_program

    return _for_each_connected_program(
        "reconcile", event, lambda program_id, now: reconcile_program(program_id, now, time_is_short(event)))
