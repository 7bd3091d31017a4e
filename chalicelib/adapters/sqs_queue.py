"""SqsIngestQueue: webhook deliveries onto the ingest queue."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


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
        response = self.client.send_message(
            QueueUrl=self.url,
            MessageBody=json.dumps(message, separators=(",", ":")),
            MessageAttributes={
                "source": {"DataType": "String", "StringValue": str(message["source"])},
                "topic": {"DataType": "String", "StringValue": str(message["topic"])},
            },
        )
        return response["MessageId"]
