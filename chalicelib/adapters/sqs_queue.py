"""SqsIngestQueue: webhook deliveries onto the ingest queue."""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

BATCH = 10     # SendMessageBatch takes at most ten entries


class SqsIngestQueue:
    def __init__(self, queue_name: str, client: SQSClient) -> None:
        self.queue_name = queue_name
        self.client = client
        self._url: str | None = None

    @property
    def url(self) -> str:
        if self._url is None:
            self._url = self.client.get_queue_url(QueueName=self.queue_name)["QueueUrl"]
        return self._url

    def put(self, message: dict[str, Any]) -> str:
        response = self.client.send_message(QueueUrl=self.url, **_body_and_attributes(message))
        return response["MessageId"]

    def put_many(self, messages: Sequence[dict[str, Any]]) -> None:
        """SendMessageBatch by tens; entries SQS failed are sent once more, then a fault (5xx: the sender retries)."""
        for start in range(0, len(messages), BATCH):
            pending = {str(i): m for i, m in enumerate(messages[start:start + BATCH])}
            for _ in range(2):
                response = self.client.send_message_batch(QueueUrl=self.url, Entries=[
                    {"Id": i, **_body_and_attributes(m)} for i, m in pending.items()])
                pending = {f["Id"]: pending[f["Id"]] for f in response.get("Failed", [])}
                if not pending:
                    break
            if pending:
                raise RuntimeError(f"SQS did not take {len(pending)} of the messages")


def _body_and_attributes(message: dict[str, Any]) -> dict[str, Any]:
    return {
        "MessageBody": json.dumps(message, separators=(",", ":")),
        "MessageAttributes": {
            "source": {"DataType": "String", "StringValue": str(message["source"])},
            "topic": {"DataType": "String", "StringValue": str(message["topic"])},
        },
    }
