"""DynamoDBTableExports: the table's exports to the analytics bucket, and the export job's watermark item.

    watermark   PK=EXPORT#analytics   SK=WATERMARK   full_at, exported_to (ISO times, UTC)

The watermark is one item of the table itself (no other store, and one consistent read), kept out of every program's
partitions. ListExports could give the same facts, but only after a DescribeExport per export, unsorted and paged.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.dynamodb_attributes import from_attributes, item_key, to_attributes
from chalicelib.adapters.dynamodb_conditions import applied
from chalicelib.services.ports.table_export import INCREMENTAL, ExportRequest, Watermark, WatermarkMoved

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

WATERMARK_KEY = item_key("EXPORT#analytics", "WATERMARK")


def export_request(table_arn: str, bucket: str, request: ExportRequest) -> dict[str, Any]:
    """The ExportTableToPointInTime parameters of one export (DynamoDB JSON, SSE-S3 like the bucket's default)."""
    params: dict[str, Any] = {
        "TableArn": table_arn, "ClientToken": request.client_token, "S3Bucket": bucket,
        "S3Prefix": request.s3_prefix, "S3SseAlgorithm": "AES256", "ExportFormat": "DYNAMODB_JSON",
        "ExportType": request.kind,
    }
    if request.kind == INCREMENTAL:
        params["IncrementalExportSpecification"] = {"ExportFromTime": request.start, "ExportToTime": request.end,
                                                    "ExportViewType": "NEW_IMAGE"}
    else:
        params["ExportTime"] = request.end
    return params


class DynamoDBTableExports:
    def __init__(self, table_name: str, bucket: str, client: DynamoDBClient) -> None:
        self.table = table_name
        self.bucket = bucket
        self.client = client
        self._arn: str | None = None

    def table_arn(self) -> str:
        if self._arn is None:
            self._arn = self.client.describe_table(TableName=self.table)["Table"]["TableArn"]
        return self._arn

    def watermark(self) -> Watermark | None:
        item = self.client.get_item(TableName=self.table, Key=WATERMARK_KEY, ConsistentRead=True).get("Item")
        if not item:
            return None
        v = from_attributes(item)
        return Watermark(datetime.fromisoformat(v["full_at"]), datetime.fromisoformat(v["exported_to"]))

    def start_export(self, request: ExportRequest) -> str:
        found = self.client.export_table_to_point_in_time(**export_request(self.table_arn(), self.bucket, request))
        return str(found["ExportDescription"]["ExportArn"])

    def advance(self, previous: Watermark | None, new: Watermark) -> None:
        values = {":full": new.full_at, ":to": new.exported_to}
        if previous is None:
            condition = "attribute_not_exists(PK)"
        else:
            condition = "exported_to = :was"
            values[":was"] = previous.exported_to
        if not applied(self.client.update_item, TableName=self.table, Key=WATERMARK_KEY,
                       UpdateExpression="SET full_at = :full, exported_to = :to", ConditionExpression=condition,
                       ExpressionAttributeValues=to_attributes(values)):
            raise WatermarkMoved("another run moved the analytics export's watermark")
