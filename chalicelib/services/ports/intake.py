"""Accepted webhooks on their way to the worker, and the deliveries it refused."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class RefusedDelivery:
    """A queued delivery that can never apply (services/deliveries.py): where it came from and why it was refused.
    No payload and no personal data."""
    source: str               # shopify, hubspot
    topic: str
    webhook_id: str
    received_at: datetime     # when the ingress accepted it
    refused_at: datetime
    reason: str


class RefusedDeliveries(Protocol):
    def record(self, program_id: str, refused: RefusedDelivery, keep_until: datetime) -> None:
        """Keep the refusal until `keep_until`; recording the same delivery again changes nothing."""
        ...

    def page(self, program_id: str, cursor: str | None, limit: int) -> tuple[list[RefusedDelivery], str | None]:
        """Newest received first, and the cursor of the next page (None on the last)."""
        ...


class IngestQueue(Protocol):
    def put(self, message: dict[str, Any]) -> str: ...

    def put_many(self, messages: Sequence[dict[str, Any]]) -> None:
        """Queue every message (in batches); raises when some could not be queued, so the sender retries."""
        ...
