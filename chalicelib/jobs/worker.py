"""The ingest worker: applies queued webhook deliveries, reporting partial batch failures."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from chalice import Blueprint
from chalice.app import SQSEvent

from chalicelib import bootstrap
from chalicelib.config import load_settings
from chalicelib.observability import logger, observed
from chalicelib.services.ports.metrics import DELIVERIES_REFUSED

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

# The handlers import what they apply when they run: the other functions (the API among them) load this module too.
bp = Blueprint(__name__)
invocation = observed(bootstrap.get_metrics)
# The queue names must be known when Chalice registers the event sources (import and package time).
INGEST_QUEUE = load_settings().ingest_queue_name
FEEDBACK_QUEUE = load_settings().feedback_queue_name


@bp.on_sqs_message(queue=INGEST_QUEUE, batch_size=10, name="handle_ingest")
@invocation
def handle_ingest(event: SQSEvent) -> PartialItemFailureResponse:
    return each_record(event, apply_record)


def apply_record(record: SQSRecord) -> None:
    """One queued delivery. A payload that can never apply is refused (recorded, logged, counted) and acknowledged;
    any other failure is logged with its cause and raised, so that SQS delivers the message again (then the DLQ)."""
    from chalicelib.domain.errors import InvalidPayload
    from chalicelib.jobs.figures import count_delivery
    from chalicelib.services import intake
    from chalicelib.services.deliveries import apply_delivery
    from chalicelib.services.jobs import describe_error

    try:
        formats = bootstrap.get_formats()
        envelope = formats.open_envelope(record.body, bootstrap.get_payload_store)
        if intake.is_eventbridge(envelope):      # a Shopify webhook delivered by Amazon EventBridge
            envelope = intake.from_eventbridge(envelope, bootstrap.get_directory())
        logger.set_correlation_id(envelope.get("webhook_id"))
        logger.append_keys(topic=envelope.get("topic"), program_id=envelope.get("program_id"),
                           message_id=record.message_id)
        outcome = apply_delivery(envelope, formats, bootstrap.get_ledger(), bootstrap.get_profiles(),
                                 bootstrap.get_rules(), bootstrap.get_requests(), bootstrap.get_shops(),
                                 bootstrap.get_products(), bootstrap.get_clock(), bootstrap.get_rewards(),
                                 hubspot=bootstrap.get_hubspot_context, refused=bootstrap.get_refused_deliveries())
    except InvalidPayload as e:                  # an EventBridge event that names no shop of ours, say
        logger.warning("delivery_refused", extra={"source": "eventbridge", "reason": describe_error(e)})
        bootstrap.get_metrics().count(DELIVERIES_REFUSED)
        return
    except Exception as e:
        # Class and message only (addresses masked, cut short): never the payload.
        logger.warning("delivery_failed", extra={"error_class": type(e).__name__, "error": describe_error(e),
                                                 "message_id": record.message_id})
        raise
    if outcome.status == "refused":
        logger.warning("delivery_refused", extra={"source": envelope.get("source"), "topic": envelope.get("topic"),
                                                  "reason": outcome.reason})
        bootstrap.get_metrics().count(DELIVERIES_REFUSED)
        return
    logger.info("delivery_applied", extra={"status": outcome.status, "reason": outcome.reason,
                                           "member_id": outcome.member_id, "points": outcome.points,
                                           "pending_points": outcome.pending})
    count_delivery(bootstrap.get_metrics(), envelope, outcome)


@bp.on_sqs_message(queue=FEEDBACK_QUEUE, batch_size=10, name="handle_mail_feedback")
@invocation
def handle_mail_feedback(event: SQSEvent) -> PartialItemFailureResponse:
    """SES bounces and complaints (through EventBridge) onto the members' profiles; deliveries and opens onto the
    messages and the members' timelines."""
    return each_record(event, apply_feedback_record)


def each_record(event: SQSEvent, apply: Callable[[SQSRecord], None]) -> PartialItemFailureResponse:
    """Apply each message of the batch; the ones that raised are reported back to SQS (ReportBatchItemFailures)."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    return process_partial_response(event=event.to_dict(), record_handler=apply,
                                    processor=BatchProcessor(event_type=EventType.SQS),
                                    context=cast("LambdaContext | None", event.context))


def apply_feedback_record(record: SQSRecord) -> None:
    from chalicelib.services.engagement import record_mail_event
    from chalicelib.services.feedback import apply_feedback

    engagement = bootstrap.get_formats().mail_engagement(record.body)
    if engagement is not None:
        recorded = record_mail_event(engagement, bootstrap.get_directory(), bootstrap.get_engagement())
        logger.info("mail_engagement_applied", extra={"kind": engagement.kind, "program_id": engagement.program_id,
                                                      "recorded": recorded, "message_id": record.message_id})
        return
    notice = bootstrap.get_formats().mail_feedback(record.body)
    outcome = apply_feedback(notice, bootstrap.get_directory(), bootstrap.get_ledger(), bootstrap.get_profiles(),
                             bootstrap.get_clock().now())
    # Program ids and counts only: never the addresses.
    logger.info("mail_feedback_applied", extra={"kind": notice.kind, "members_flagged": outcome.flagged,
                                                "scope": outcome.scope, "programs": list(outcome.programs),
                                                "message_id": record.message_id})
