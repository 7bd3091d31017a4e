"""Is a dependency there? The errors that mean "did not answer", and the cheap probe behind GET /health."""
from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ConnectionClosedError, ReadTimeoutError
from botocore.exceptions import ConnectionError as BotoConnectionError

# Refused, unreachable, timed out while connecting or reading, cut off: the call may succeed if tried again.
# (EndpointConnectionError and ConnectTimeoutError are ConnectionErrors.)
UNAVAILABLE: tuple[type[Exception], ...] = (BotoConnectionError, ReadTimeoutError, ConnectionClosedError)
HEALTH_KEY = {"PK": {"S": "HEALTH"}, "SK": {"S": "HEALTH"}}  # never written: a GetItem that finds nothing


def unavailable(error: BaseException | None) -> bool:
    """The error, or one it was raised from (Powertools wraps botocore's), says a dependency did not answer."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, UNAVAILABLE):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


class DependencyProbe:
    """One GetItem on the table and one GetQueueUrl on the ingest queue, with clients that give up within seconds
    (both calls are in the functions' IAM policy; neither reads or writes data)."""

    def __init__(self, table: str, dynamodb: Any, queue_name: str, sqs: Any) -> None:
        self.table, self.dynamodb, self.queue_name, self.sqs = table, dynamodb, queue_name, sqs

    def problems(self) -> list[str]:
        """What is down, one sentence each; empty when everything answered."""
        found = []
        try:
            self.dynamodb.get_item(TableName=self.table, Key=HEALTH_KEY)
        except (BotoCoreError, ClientError) as e:
            found.append(f"DynamoDB (table {self.table}) did not answer: {_reason(e)}")
        try:
            self.sqs.get_queue_url(QueueName=self.queue_name)
        except (BotoCoreError, ClientError) as e:
            found.append(f"SQS (queue {self.queue_name}) did not answer: {_reason(e)}")
        return found


def _reason(error: Exception) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code") or "error")
    return type(error).__name__
