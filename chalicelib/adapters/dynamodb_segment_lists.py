"""DynamoDBSegmentLists: which segments a program mirrors as HubSpot static lists, and what each list holds.

    choice     PK=P#<program>#SEGMENTS  SK=LIST#<name>   name, mirror, list_id, members, published_as_of, published_at,
                                                         updated_at, updated_by (written with its audit record)

The contact ids last published to a list are a gzip CSV in the stack's bucket, `hubspot-lists/<program>/<name>.csv.gz`
(the list id in the object's metadata): a prefix no lifecycle rule expires, since the next publish diffs against it
however long ago the last one was.
"""
from __future__ import annotations

import builtins
import csv
import gzip
import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from botocore.exceptions import ClientError

from chalicelib.adapters.dynamodb_attributes import from_attributes, item_key, to_attributes, when
from chalicelib.adapters.dynamodb_audit import audit_put
from chalicelib.adapters.dynamodb_conditions import applied, cancellation
from chalicelib.domain.audit import AuditRecord
from chalicelib.domain.errors import ConcurrentChange
from chalicelib.services.ports.crm_lists import PublishedSet, SegmentMirror

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client

PUBLISHED_PREFIX = "hubspot-lists/"


def _pk(program_id: str) -> str:
    return f"P#{program_id}#SEGMENTS"


class DynamoDBSegmentLists:
    def __init__(self, table_name: str, client: DynamoDBClient, s3: S3Client, bucket: Callable[[], str]) -> None:
        self.table = table_name
        self.client = client
        self.s3 = s3
        self._bucket = bucket          # read when first needed: the API never reads a published set

    def mirrors(self, program_id: str) -> builtins.list[SegmentMirror]:
        request: dict[str, Any] = {
            "TableName": self.table, "KeyConditionExpression": "PK = :pk AND begins_with(SK, :list)",
            "ExpressionAttributeValues": to_attributes({":pk": _pk(program_id), ":list": "LIST#"})}
        found: builtins.list[SegmentMirror] = []
        while True:
            response = self.client.query(**request)
            found += [_mirror(from_attributes(i)) for i in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                return sorted(found, key=lambda m: m.name)
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def choose(self, program_id: str, name: str, mirror: bool, audit: AuditRecord) -> None:
        update = {"TableName": self.table, "Key": item_key(_pk(program_id), f"LIST#{name}"),
                  "UpdateExpression": "SET #type = :type, #name = :name, mirror = :mirror, updated_at = :at, "
                                      "updated_by = :by",
                  "ExpressionAttributeNames": {"#type": "type", "#name": "name"},
                  "ExpressionAttributeValues": to_attributes({":type": "segment_list", ":name": name,
                                                              ":mirror": mirror, ":at": audit.at,
                                                              ":by": audit.key_id})}
        reasons = cancellation(self.client, [{"Update": update}, audit_put(self.table, program_id, audit)])
        if reasons is not None:
            raise ConcurrentChange(f"the segment's list choice was not stored: {', '.join(reasons)}")

    def set_list(self, program_id: str, name: str, list_id: str) -> None:
        self.client.update_item(TableName=self.table, Key=item_key(_pk(program_id), f"LIST#{name}"),
                                UpdateExpression="SET list_id = :list",
                                ExpressionAttributeValues=to_attributes({":list": list_id}))

    def published(self, program_id: str, name: str, list_id: str, members: int, as_of: datetime,
                  at: datetime) -> None:
        """Kept only if no later run published meanwhile (a publish task delivered late)."""
        applied(self.client.update_item, TableName=self.table, Key=item_key(_pk(program_id), f"LIST#{name}"),
                UpdateExpression="SET list_id = :list, members = :members, published_as_of = :as_of, "
                                 "published_at = :at",
                ConditionExpression="attribute_not_exists(published_as_of) OR published_as_of <= :as_of",
                ExpressionAttributeValues=to_attributes({":list": list_id, ":members": members,
                                                         ":as_of": as_of.astimezone(UTC), ":at": at}))

    def published_set(self, program_id: str, name: str) -> PublishedSet | None:
        try:
            found = self.s3.get_object(Bucket=self._bucket(), Key=_published_key(program_id, name))
        except ClientError as e:
            if e.response["Error"]["Code"] in ("NoSuchKey", "404"):
                return None
            raise
        reader = csv.DictReader(io.StringIO(gzip.decompress(found["Body"].read()).decode()))
        return PublishedSet(found["Metadata"]["list-id"], frozenset(r["contact_id"] for r in reader))

    def save_published_set(self, program_id: str, name: str, published: PublishedSet) -> None:
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(("contact_id",))
        writer.writerows((c,) for c in sorted(published.contact_ids))
        self.s3.put_object(Bucket=self._bucket(), Key=_published_key(program_id, name),
                           Body=gzip.compress(text.getvalue().encode()), ContentType="text/csv",
                           ContentEncoding="gzip", Metadata={"list-id": published.list_id})


def _published_key(program_id: str, name: str) -> str:
    return f"{PUBLISHED_PREFIX}{program_id}/{quote(name, safe='')}.csv.gz"


def _mirror(item: dict[str, Any]) -> SegmentMirror:
    members = item.get("members")
    return SegmentMirror(name=item["name"], mirror=bool(item.get("mirror")), list_id=item.get("list_id"),
                         members=None if members is None else int(members),
                         published_as_of=when(item.get("published_as_of")), published_at=when(item.get("published_at")))
