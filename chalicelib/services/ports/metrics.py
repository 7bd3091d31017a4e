"""The business figures an operator watches, and the port they are counted through.

Every metric is a count in the `Loyalty` namespace with the dimensions `stage` and `service`, plus the ones named
beside it below. Dimension values come from small fixed sets (sources, topics, statuses, reason codes, kinds,
platforms), never from ids: each combination is a metric of its own in CloudWatch.
"""
from __future__ import annotations

from typing import Protocol

WEBHOOKS_ACCEPTED = "WebhooksAccepted"          # source: deliveries queued by the webhook routes
WEBHOOKS_REFUSED = "WebhooksRefused"            # source, reason: requests the webhook routes answered 4xx/5xx
DELIVERIES_APPLIED = "DeliveriesApplied"        # source, topic, status: deliveries the worker took (recorded…)
DELIVERIES_REFUSED = "DeliveriesRefused"        # alarmed on (infra/template.yaml): no extra dimension
POINTS_AWARDED = "PointsAwarded"                # source: points (spendable and pending) the deliveries added
POINTS_CLAWED_BACK = "PointsClawedBack"         # source: points the deliveries took off (refunds, cancellations)
MESSAGES_SENT = "MessagesSent"                  # kind
MESSAGES_SKIPPED = "MessagesSkipped"            # reason
MESSAGES_DEFERRED = "MessagesDeferred"          # reason
MESSAGES_FAILED = "MessagesFailed"              # kind
REDEMPTIONS = "Redemptions"                     # rewards redeemed (a retried request counts once)
POINTS_REDEEMED = "PointsRedeemed"              # the points those redemptions cost
DUE_ITEMS_PARKED = "DueItemsParked"             # alarmed on (infra/template.yaml): no extra dimension
OUTBOUND_THROTTLED = "OutboundCallsThrottled"   # platform: answers asking us to slow down (HTTP 429, THROTTLED)
RECONCILIATION_REPAIRS = "ReconciliationRepairs"  # source: facts the webhooks never brought, applied by reconcile


class Metrics(Protocol):
    def count(self, name: str, value: int = 1, **dimensions: str) -> None:
        """Add `value` to the metric `name` with these dimensions (a zero adds nothing)."""
        ...

    def flush(self) -> None:
        """Publish what was counted since the last flush; the entry points call it once per invocation."""
        ...
