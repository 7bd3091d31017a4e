"""The ingest worker: applies queued webhook deliveries, reporting partial batch failures."""
from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from chalice import Blueprint
from chalice.app import SQSEvent

from chalicelib import bootstrap
from chalicelib.adapters.ses_feedback import parse_feedback
from chalicelib.config import load_settings
from chalicelib.observability import logger
from chalicelib.services.deliveries import apply_delivery
from chalicelib.services.feedback import apply_feedback

bp = Blueprint(__name__)
# The queue names must be known when Chalice registers the event sources (import and package time).
INGEST_QUEUE = load_settings().ingest_queue_name
FEEDBACK_QUEUE = load_settings().feedback_queue_name


@bp.on_sqs_message(queue=INGEST_QUEUE, batch_size=10, name="handle_ingest")
def handle_ingest(event: SQSEvent) -> dict[str, Any]:
    return process_partial_response(event=event.to_dict(), record_handler=apply_record,
                                    processor=BatchProcessor(event_type=EventType.SQS), context=event.context)


def apply_record(record: SQSRecord) -> None:
    envelope = json.loads(record.body)
    logger.set_correlation_id(envelope.get("webhook_id"))
    logger.append_keys(topic=envelope.get("topic"), program_id=envelope.get("program_id"),
                       message_id=record.message_id)
    outcome = apply_delivery(envelope, bootstrap.get_ledger(), bootstrap.get_profiles(), bootstrap.get_rules(),
                             bootstrap.get_requests(), bootstrap.get_shops(), bootstrap.get_products(),
                             bootstrap.get_clock(), bootstrap.get_rewards(), hubspot=bootstrap.get_hubspot_context)
    logger.info("delivery_applied", extra={"status": outcome.status, "reason": outcome.reason,
                                           "member_id": outcome.member_id, "points": outcome.points,
                                           "pending_points": outcome.pending})


@bp.on_sqs_message(queue=FEEDBACK_QUEUE, batch_size=10, name="handle_mail_feedback")
def handle_mail_feedback(event: SQSEvent) -> dict[str, Any]:
    """SES bounces and complaints (through EventBridge) onto the members' profiles."""
    return process_partial_response(event=event.to_dict(), record_handler=apply_feedback_record,
                                    processor=BatchProcessor(event_type=EventType.SQS), context=event.context)


def apply_feedback_record(record: SQSRecord) -> None:
    notice = parse_feedback(record.body)
    outcome = apply_feedback(notice, bootstrap.get_directory(), bootstrap.get_ledger(), bootstrap.get_profiles(),
                             bootstrap.get_clock().now())
    # Program ids and counts only: never the addresses.
    logger.info("mail_feedback_applied", extra={"kind": notice.kind, "members_flagged": outcome.flagged,
                                                "scope": outcome.scope, "programs": list(outcome.programs),
                                                "message_id": record.message_id})
