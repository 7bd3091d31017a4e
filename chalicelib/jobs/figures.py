"""The figures the worker and the jobs count, read from what the services return or record.

Dimension values are kept to small fixed sets: a source outside the known ones, or a topic the engine does not act
on, counts as "other" (the topic header is not signed), and a reason becomes a short code: the gates' reasons are a
few fixed sentences, and a message the mail service deferred carries only SES's error code, never its message text.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from chalicelib.domain import messages as m
from chalicelib.domain.messages import Message
from chalicelib.services.orders import Outcome
from chalicelib.services.ports.mail import Outbox
from chalicelib.services.ports.metrics import (
    DELIVERIES_APPLIED,
    MESSAGES_DEFERRED,
    MESSAGES_FAILED,
    MESSAGES_SENT,
    MESSAGES_SKIPPED,
    POINTS_AWARDED,
    POINTS_CLAWED_BACK,
    Metrics,
)

SOURCES = frozenset({"shopify", "hubspot"})
NOT_ACTED_ON = frozenset({"topic_not_handled", "subscription_not_handled"})      # Outcome reasons
REASON_LENGTH = 64


def source_of(value: object) -> str:
    return value if isinstance(value, str) and value in SOURCES else "other"


def reason_code(reason: str | None) -> str:
    """"address suppressed: hard bounce" → "address_suppressed_hard_bounce"."""
    code = re.sub(r"[^a-z0-9]+", "_", (reason or "").lower()).strip("_")
    return code[:REASON_LENGTH].rstrip("_") or "none"


def topic_of(envelope: Mapping[str, Any], outcome: Outcome) -> str:
    topic = envelope.get("topic")
    return topic if isinstance(topic, str) and topic and outcome.reason not in NOT_ACTED_ON else "other"


def count_delivery(metrics: Metrics, envelope: Mapping[str, Any], outcome: Outcome) -> None:
    """An applied delivery, and the points it moved: pending points count when they are awarded (as lifetime
    points do), so a release later moves nothing and a clawback during the hold counts as one."""
    moved = outcome.points + outcome.pending
    source = source_of(envelope.get("source"))
    metrics.count(DELIVERIES_APPLIED, source=source, topic=topic_of(envelope, outcome), status=outcome.status)
    if moved > 0:
        metrics.count(POINTS_AWARDED, moved, source=source)
    elif moved < 0:
        metrics.count(POINTS_CLAWED_BACK, -moved, source=source)


class CountingOutbox:
    """The outbox, counting each message the dispatcher finishes: sent, skipped, deferred or failed."""

    def __init__(self, outbox: Outbox, metrics: Metrics) -> None:
        self.outbox, self.metrics = outbox, metrics

    def claim(self, program_id: str, member_id: str, message_id: str, now: datetime) -> Message | None:
        return self.outbox.claim(program_id, member_id, message_id, now)

    def abandon_stale_claim(self, program_id: str, member_id: str, message_id: str, now: datetime) -> bool:
        return self.outbox.abandon_stale_claim(program_id, member_id, message_id, now)

    def finish(self, program_id: str, message: Message, now: datetime, status: str, reason: str | None = None,
               ses_message_id: str | None = None, retry_at: datetime | None = None) -> None:
        self.outbox.finish(program_id, message, now, status, reason, ses_message_id=ses_message_id,
                           retry_at=retry_at)
        if status == m.SENT:
            self.metrics.count(MESSAGES_SENT, kind=message.kind)
        elif status == m.FAILED:
            self.metrics.count(MESSAGES_FAILED, kind=message.kind)
        elif status in (m.SKIPPED, m.DEFERRED):
            name = MESSAGES_SKIPPED if status == m.SKIPPED else MESSAGES_DEFERRED
            self.metrics.count(name, reason=reason_code(reason))

    def messages(self, program_id: str, member_id: str) -> list[Message]:
        return self.outbox.messages(program_id, member_id)

    def schedule(self, program_id: str, message: Message, now: datetime) -> bool:
        return self.outbox.schedule(program_id, message, now)
