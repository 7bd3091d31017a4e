"""DynamoDBTableExports: the ExportTableToPointInTime request (checked against botocore's model with a Stubber) and
the watermark item (on moto, whose exports accept the call but ignore tokens and windows)."""
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from chalicelib.adapters.dynamodb_table_export import DynamoDBTableExports
from chalicelib.services import analytics_export as export
from chalicelib.services.ports.table_export import FULL, INCREMENTAL, ExportRequest, Watermark, WatermarkMoved

TABLE = "loyalty-test"
ARN = f"arn:aws:dynamodb:eu-west-1:123456789012:table/{TABLE}"
END = datetime(2031, 3, 14, 4, tzinfo=UTC)
START = END - timedelta(days=1)


def stubbed():
    client = boto3.client("dynamodb", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    return client, Stubber(client)


def test_an_incremental_export_asks_for_new_images_of_the_window_in_dynamodb_json_under_the_bucket_prefix():
    client, stub = stubbed()
    request = ExportRequest(INCREMENTAL, START, END, export.client_token(TABLE, INCREMENTAL, START, END),
                            "exports/incremental")
    stub.add_response("describe_table", {"Table": {"TableArn": ARN}}, {"TableName": TABLE})
    stub.add_response("export_table_to_point_in_time", {"ExportDescription": {"ExportArn": f"{ARN}/export/1"}}, {
        "TableArn": ARN, "ClientToken": request.client_token, "S3Bucket": "analytics-bucket",
        "S3Prefix": "exports/incremental", "S3SseAlgorithm": "AES256", "ExportFormat": "DYNAMODB_JSON",
        "ExportType": "INCREMENTAL_EXPORT",
        "IncrementalExportSpecification": {"ExportFromTime": START, "ExportToTime": END,
                                           "ExportViewType": "NEW_IMAGE"}})
    with stub:
        assert DynamoDBTableExports(TABLE, "analytics-bucket", client).start_export(request) == f"{ARN}/export/1"
    stub.assert_no_pending_responses()


def test_a_full_export_is_as_of_the_window_end_under_its_own_prefix():
    client, stub = stubbed()
    request = export.plan(TABLE, None, END + timedelta(minutes=20))[0]
    assert request.kind == FULL
    stub.add_response("describe_table", {"Table": {"TableArn": ARN}}, {"TableName": TABLE})
    stub.add_response("export_table_to_point_in_time", {"ExportDescription": {"ExportArn": f"{ARN}/export/2"}}, {
        "TableArn": ARN, "ClientToken": request.client_token, "S3Bucket": "analytics-bucket",
        "S3Prefix": f"exports/full/{int(END.timestamp())}", "S3SseAlgorithm": "AES256",
        "ExportFormat": "DYNAMODB_JSON", "ExportType": "FULL_EXPORT", "ExportTime": END})
    with stub:
        DynamoDBTableExports(TABLE, "analytics-bucket", client).start_export(request)
    stub.assert_no_pending_responses()


@pytest.fixture
def moto_table():
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        client.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"},
                                                  {"AttributeName": "SK", "AttributeType": "S"}],
                            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"},
                                       {"AttributeName": "SK", "KeyType": "RANGE"}])
        client.update_continuous_backups(TableName=TABLE, PointInTimeRecoverySpecification={
            "PointInTimeRecoveryEnabled": True})            # as infra/template.yaml has it: exports need it
        boto3.client("s3", region_name="eu-west-1").create_bucket(
            Bucket="analytics-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        yield client


def test_the_watermark_starts_empty_then_moves_only_from_the_value_read(moto_table):
    exports = DynamoDBTableExports(TABLE, "analytics-bucket", moto_table)
    assert exports.watermark() is None
    first = Watermark(START, START)
    exports.advance(None, first)
    assert exports.watermark() == first
    with pytest.raises(WatermarkMoved):
        exports.advance(None, first)                           # a second "first run"
    exports.advance(first, Watermark(START, END))
    with pytest.raises(WatermarkMoved):
        exports.advance(first, Watermark(START, END + timedelta(days=1)))     # a stale reader
    assert exports.watermark() == Watermark(START, END)


def test_a_run_on_moto_starts_an_export_and_records_its_watermark(moto_table):
    exports = DynamoDBTableExports(TABLE, "analytics-bucket", moto_table)
    report = export.run(TABLE, exports, END + timedelta(minutes=20))
    assert report.started == [f"FULL_EXPORT ..{END.isoformat()}"]
    assert exports.watermark() == Watermark(END, END)
    assert moto_table.list_exports(TableArn=exports.table_arn())["ExportSummaries"]
