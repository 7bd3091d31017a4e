"""The integration tests' two shortcuts through moto. The `aws` fixture hands each test a copy of moto's data after the
local bootstrap (tests/integration/moto_state.py): the copy must read, over the AWS API, exactly as what the bootstrap
made, work like it, and never carry one test's writes into the next copy. A transaction keeps one backup of its table
(tests/integration/moto_transactions.py): a cancelled one must still leave every item as it was."""
import json

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from chalicelib import bootstrap as composition
from infra.local.bootstrap import bootstrap
from infra.local.settings import program_settings
from tests.integration import moto_state


def described():
    """Every resource the bootstrap makes, as the AWS API describes it (ids, times and values included)."""
    session = boto3.Session()
    ddb, sqs, s3, ssm = (session.client(s) for s in ("dynamodb", "sqs", "s3", "ssm"))
    sm, kms, sns, cloudwatch, events, ses = (session.client(s) for s in ("secretsmanager", "kms", "sns", "cloudwatch",
                                                                          "events", "ses"))
    queues = sqs.list_queues().get("QueueUrls", [])
    buckets = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    parameters = [p["Name"] for p in ssm.describe_parameters(MaxResults=50)["Parameters"]]
    return {
        "tables": [(ddb.describe_table(TableName=t)["Table"], ddb.scan(TableName=t)["Items"])
                   for t in ddb.list_tables()["TableNames"]],
        "queues": [(q, sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["All"])["Attributes"]) for q in queues],
        "buckets": [(b, s3.get_bucket_lifecycle_configuration(Bucket=b)["Rules"],
                     s3.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"],
                     s3.list_objects_v2(Bucket=b).get("Contents", [])) for b in buckets],
        "parameters": ssm.get_parameters(Names=parameters, WithDecryption=True)["Parameters"] if parameters else [],
        "secrets": [(s["ARN"], sm.get_secret_value(SecretId=s["ARN"])["SecretString"])
                    for s in sm.list_secrets()["SecretList"]],
        "keys": [kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"] for k in kms.list_keys()["Keys"]],
        "topics": [sns.get_topic_attributes(TopicArn=t["TopicArn"])["Attributes"] for t in sns.list_topics()["Topics"]],
        "alarms": cloudwatch.describe_alarms()["MetricAlarms"],
        "rules": [(r, events.list_targets_by_rule(Rule=r["Name"])["Targets"]) for r in events.list_rules()["Rules"]],
        "mail": (ses.list_identities()["Identities"], ses.list_configuration_sets()["ConfigurationSets"]),
    }


def test_a_restored_copy_is_what_the_bootstrap_made_works_like_it_and_forgets_what_a_test_wrote():
    with mock_aws():
        composition.reset()
        bootstrap(program_settings({}))
        made, state = described(), moto_state.snapshot()
    assert len(made["queues"]) >= 7
    assert all(made[kind] for kind in ("tables", "buckets", "parameters", "secrets", "keys", "topics", "alarms",
                                       "rules"))

    with mock_aws():
        assert described()["queues"] == []                     # a started mock is empty until restored
        moto_state.restore(state)
        assert described() == made
        sqs, ddb = boto3.client("sqs"), boto3.client("dynamodb")
        [url] = [q for q, _ in made["queues"] if q.endswith("/loyalty-local-ingest")]
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"written": "by a test"}))
        [message] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)["Messages"]
        assert json.loads(message["Body"]) == {"written": "by a test"}
        [(table, _)] = made["tables"]
        ddb.put_item(TableName=table["TableName"], Item={"PK": {"S": "written"}, "SK": {"S": "by a test"}})
        assert described() != made

    with mock_aws():
        moto_state.restore(state)
        assert described() == made


def test_a_cancelled_transaction_leaves_every_item_of_its_table_as_it_was(aws):
    ddb = aws.client("dynamodb")
    [table] = ddb.list_tables()["TableNames"]

    def key(n):
        return {"PK": {"S": f"k{n}"}, "SK": {"S": "x"}}

    ddb.put_item(TableName=table, Item={**key(1), "n": {"N": "1"}})
    add = {"Update": {"TableName": table, "Key": key(1), "UpdateExpression": "ADD n :one",
                      "ExpressionAttributeValues": {":one": {"N": "1"}}}}
    put = {"Put": {"TableName": table, "Item": {**key(2), "n": {"N": "9"}}}}
    refused = {"Put": {"TableName": table, "Item": key(3), "ConditionExpression": "attribute_exists(PK)"}}
    with pytest.raises(ClientError, match="TransactionCanceled"):
        ddb.transact_write_items(TransactItems=[add, put, refused])
    assert ddb.get_item(TableName=table, Key=key(1))["Item"]["n"] == {"N": "1"}
    assert "Item" not in ddb.get_item(TableName=table, Key=key(2))
    ddb.transact_write_items(TransactItems=[add, put])
    assert ddb.get_item(TableName=table, Key=key(1))["Item"]["n"] == {"N": "2"}
    assert ddb.get_item(TableName=table, Key=key(2))["Item"]["n"] == {"N": "9"}
