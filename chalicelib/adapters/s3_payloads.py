"""S3PayloadStore: webhook bodies too large for an SQS message, kept in the stack's bucket (the claim-check pattern).

The bucket (infra/template.yaml `PayloadBucket`, named by the `<prefix>/payload-bucket` parameter) is private,
encrypted, and expires objects after 15 days: longer than the ingest queue and its dead-letter queue keep a
message (14 days), so a queued pointer never outlives its body by design.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class S3PayloadStore:
    def __init__(self, client: S3Client, bucket: Callable[[], str]) -> None:
        self.client = client
        self._bucket = bucket      # read when first needed: most bodies never come here

    def put(self, key: str, body: str) -> None:
        self.client.put_object(Bucket=self._bucket(), Key=key, Body=body.encode("utf-8"),
                               ContentType="application/json")

    def get(self, key: str) -> str:
        response = self.client.get_object(Bucket=self._bucket(), Key=key)
        return response["Body"].read().decode("utf-8")
