"""The reconcile job's wiring: one program's Shopify orders and HubSpot contacts, through the worker's own path."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from chalicelib import bootstrap
from chalicelib.jobs.figures import count_delivery
from chalicelib.observability import logger
from chalicelib.services import reconciliation
from chalicelib.services.deliveries import apply_delivery
from chalicelib.services.orders import Outcome


def apply(envelope: Mapping[str, Any]) -> Outcome:
    """What the ingest worker does with a delivery (jobs/worker.py), counted in the same metrics."""
    outcome = apply_delivery(envelope, bootstrap.get_formats(), bootstrap.get_ledger(), bootstrap.get_profiles(),
                             bootstrap.get_rules(), bootstrap.get_requests(), bootstrap.get_shops(),
                             bootstrap.get_products(), bootstrap.get_clock(), bootstrap.get_rewards(),
                             hubspot=bootstrap.get_hubspot_context, refused=bootstrap.get_refused_deliveries())
    if outcome.status != "refused":
        count_delivery(bootstrap.get_metrics(), envelope, outcome)
    return outcome


def reconcile_program(program_id: str, now: datetime, should_stop: Callable[[], bool]) -> dict[str, Any]:
    """Each connected source's run summary; {} when the program has neither Shopify nor HubSpot access."""
    target = reconciliation.Target(program_id, apply, bootstrap.get_reconciliation(), bootstrap.get_metrics(),
                                   should_stop=should_stop)
    done: dict[str, Any] = {}
    reports = []
    orders = bootstrap.get_order_reader(program_id)
    if orders is not None:
        shop = bootstrap.get_connector_clients().for_program(program_id).shop
        reports.append(reconciliation.reconcile_shopify(target, now, shop, orders, bootstrap.get_ledger()))
    contacts = bootstrap.get_contact_reader(program_id)
    if contacts is not None:
        portal = bootstrap.get_directory().hubspot_portal(program_id)
        reports.append(reconciliation.reconcile_hubspot(target, now, portal, contacts))
    for report in reports:
        done[report.source] = report.summary()
        if report.errors:
            logger.warning("reconcile_failed", extra={"program_id": program_id, "source": report.source,
                                                      "failed": report.failed, "first": report.errors})
    if done:
        logger.info("reconciled", extra={"program_id": program_id, **done})
    return done
