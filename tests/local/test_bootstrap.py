"""The local bootstrap builds infra/template.yaml on moto and seeds the program the way the app reads it."""
from __future__ import annotations

import hashlib
import json
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.parameters import SecretsProvider, SSMProvider

from chalicelib.adapters.program_directory import ParameterProgramDirectory
from infra.local.bootstrap import UnknownResourceType, bootstrap, clients, create_resources, load_template
from infra.local.cfn import Created, Template
from infra.local.settings import TEMPLATE, BadSetting, program_settings

pytestmark = [pytest.mark.local_stack, pytest.mark.timeout(60)]


def test_creates_every_resource_of_the_template(aws_env: str) -> None:
    bootstrap(program_settings({}))

    ddb, sqs = boto3.client("dynamodb"), boto3.client("sqs")
    table = ddb.describe_table(TableName="loyalty-local")["Table"]
    assert sorted((i["IndexName"], i["Projection"]["ProjectionType"]) for i in table["GlobalSecondaryIndexes"]) == [
        ("Due", "KEYS_ONLY"), ("GSI1", "KEYS_ONLY"), ("Members", "KEYS_ONLY"), ("Shop", "KEYS_ONLY")]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    ttl = ddb.describe_time_to_live(TableName="loyalty-local")["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")
    backups = ddb.describe_continuous_backups(TableName="loyalty-local")["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    ingest = _queue_attributes(sqs, "loyalty-local-ingest")
    dlq = _queue_attributes(sqs, "loyalty-local-ingest-dlq")
    assert json.loads(ingest["RedrivePolicy"]) == {"deadLetterTargetArn": dlq["QueueArn"], "maxReceiveCount": 5}
    assert ingest["VisibilityTimeout"] == "180"
    journey = _queue_attributes(sqs, "loyalty-local-journey")
    journey_dlq = _queue_attributes(sqs, "loyalty-local-journey-dlq")
    assert json.loads(journey["RedrivePolicy"]) == {"deadLetterTargetArn": journey_dlq["QueueArn"],
                                                    "maxReceiveCount": 3}
    assert journey["VisibilityTimeout"] == "5400"
    assert [t["TopicArn"].rsplit(":", 1)[1] for t in boto3.client("sns").list_topics()["Topics"]] == \
        ["loyalty-local-alarms"]
    assert boto3.client("sns").list_subscriptions()["Subscriptions"] == []  # AlarmEmail is empty
    alarms = {a["AlarmName"]: a for a in boto3.client("cloudwatch").describe_alarms()["MetricAlarms"]}
    for name in ("ingest", "journey"):
        alarm = alarms[f"loyalty-local-{name}-dead-letters"]
        assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": f"loyalty-local-{name}-dlq"}]
    assert boto3.client("secretsmanager").describe_secret(SecretId="loyalty/local/programs/demo")["Name"]
    assert boto3.client("ses").list_configuration_sets()["ConfigurationSets"] == [{"Name": "loyalty-local"}]


def test_a_table_kept_from_an_earlier_run_gets_the_indexes_added_since(aws_env: str) -> None:
    """DynamoDB Local keeps its tables across restarts: a table made before the Members index existed gets it."""
    ddb = boto3.client("dynamodb")
    ddb.create_table(TableName="loyalty-local", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("PK", "SK")],
                     KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"},
                                {"AttributeName": "SK", "KeyType": "RANGE"}])

    bootstrap(program_settings({}))

    table = ddb.describe_table(TableName="loyalty-local")["Table"]
    members = {i["IndexName"]: i for i in table["GlobalSecondaryIndexes"]}["Members"]
    assert [(k["AttributeName"], k["KeyType"]) for k in members["KeySchema"]] == [("MEMBERPK", "HASH"),
                                                                                  ("MEMBERSK", "RANGE")]


def test_running_it_twice_changes_nothing(aws_env: str) -> None:
    settings = program_settings({})
    bootstrap(settings)
    before = _snapshot()

    bootstrap(settings)

    assert _snapshot() == before


def test_seeds_the_program_where_the_app_reads_it(aws_env: str) -> None:
    env = {"LOYALTY_PROGRAM_ID": "acme", "SHOPIFY_SHOP_DOMAIN": "Acme-Store.myshopify.com",
           "SHOPIFY_WEBHOOK_SECRET": "s3cret", "LOYALTY_ADMIN_KEY": "my-key", "LOYALTY_PORT": "9000"}
    bootstrap(program_settings(env))

    directory = ParameterProgramDirectory("/loyalty/local", "loyalty/local", SSMProvider(), SecretsProvider())
    assert directory.program_for_shop("acme-store.myshopify.com") == "acme"
    assert directory.shopify_secrets("acme") == [b"s3cret"]
    assert directory.program_for_portal("62515") == "acme"
    assert directory.hubspot_settings("acme").client_secrets == (b"local-hubspot-secret",)
    key = directory.api_key(hashlib.sha256(b"my-key").hexdigest())
    assert key is not None
    assert (key.program_id, key.scopes) == ("acme", frozenset({"read", "write", "owner"}))
    config = json.loads(boto3.client("ssm").get_parameter(Name="/loyalty/local/programs/acme/config")
                        ["Parameter"]["Value"])
    assert config == {"program_id": "acme", "shop_domain": "acme-store.myshopify.com", "hubspot_portal_id": "62515",
                      "public_url": "http://127.0.0.1:9000", "hubspot_api_base": "https://api.hubapi.com",
                      "shopify_admin_api_base": "https://acme-store.myshopify.com",
                      "program_name": "Demo Shop Rewards", "sender_email": "rewards@acme-store.myshopify.com",
                      "postal_address": "1 Demo Street, Springfield, OR 97477, USA", "timezone": "UTC",
                      "configuration_set": "loyalty-local"}
    messaging = directory.messaging("acme")
    assert (messaging.sender_email, messaging.unsubscribe_secrets) == (
        "rewards@acme-store.myshopify.com", (b"local-unsubscribe-secret",))
    assert "acme-store.myshopify.com" in boto3.client("ses").list_identities()["Identities"]
    secret = json.loads(boto3.client("secretsmanager").get_secret_value(SecretId="loyalty/local/programs/acme")
                        ["SecretString"])
    assert secret == {"shopify_webhook_secret": "s3cret", "shopify_webhook_secret_previous": "",
                      "hubspot_client_secret": "local-hubspot-secret", "hubspot_access_token": "",
                      "shopify_access_token": "", "unsubscribe_secret": "local-unsubscribe-secret"}


def test_the_program_time_zone_comes_from_loyalty_timezone(aws_env: str) -> None:
    bootstrap(program_settings({"LOYALTY_TIMEZONE": "Europe/Berlin"}))

    config = json.loads(boto3.client("ssm").get_parameter(Name="/loyalty/local/programs/demo/config")
                        ["Parameter"]["Value"])
    assert config["timezone"] == "Europe/Berlin"
    assert ParameterProgramDirectory("/loyalty/local", "loyalty/local", SSMProvider(), SecretsProvider()).messaging(
        "demo").policy.timezone == "Europe/Berlin"


def test_an_unknown_time_zone_is_refused_naming_the_variable() -> None:
    with pytest.raises(BadSetting, match="LOYALTY_TIMEZONE='Mars/Olympus_Mons' is not an IANA time zone"):
        program_settings({"LOYALTY_TIMEZONE": "Mars/Olympus_Mons"})


def test_an_unknown_resource_type_fails_before_anything_is_created(aws_env: str) -> None:
    extra = "\n  Extra:\n    Type: AWS::Kinesis::Stream\n    Properties: {Name: x}\n\nOutputs:"
    template = Template(TEMPLATE.read_text().replace("\nOutputs:", extra),
                        {"Stage": "local", "ShopDomain": "a.myshopify.com", "SenderEmail": "r@a.example",
                         "PostalAddress": "1 Main St", "RestAPI": "local"}, {})

    with pytest.raises(UnknownResourceType, match="AWS::Kinesis::Stream"):
        create_resources(template, clients())

    assert boto3.client("dynamodb").list_tables()["TableNames"] == []


def test_the_alarm_subscription_exists_only_when_its_condition_holds(aws_env: str) -> None:
    aws = clients()
    template = load_template(program_settings({}), aws)
    template.params["AlarmEmail"] = "ops@example.com"

    create_resources(template, aws)

    subscriptions = boto3.client("sns").list_subscriptions()["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("email", "ops@example.com")]


def test_resolves_sub_getatt_ref_and_if() -> None:
    template = Template(_MINI, {"Stage": "dev"}, {"AWS::Region": "eu-west-1", "AWS::AccountId": "1"})
    template.created["Q"] = Created("https://q", {"Arn": "arn:q"})

    value = template.resolve(template.resources["P"]["Properties"])

    assert value == {"Name": "/x/dev/eu-west-1", "Arn": "arn:q", "Url": "https://q", "Pick": "no", "Lit": "${Stage}"}


_MINI = """
Parameters: {Stage: {Type: String}}
Conditions: {IsProd: !Equals [!Ref Stage, prod]}
Resources:
  Q: {Type: AWS::SQS::Queue, Properties: {QueueName: q}}
  P:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub /x/${Stage}/${AWS::Region}
      Arn: !GetAtt Q.Arn
      Url: !Ref Q
      Pick: !If [IsProd, "yes", "no"]
      Lit: !Sub "${!Stage}"
      Gone: !Ref AWS::NoValue
"""


def _queue_attributes(sqs: Any, name: str) -> dict[str, str]:
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]  # type: ignore[no-any-return]


def _snapshot() -> dict[str, object]:
    ddb, sqs, ssm = boto3.client("dynamodb"), boto3.client("sqs"), boto3.client("ssm")
    queues = {}
    for url in sqs.list_queues()["QueueUrls"]:
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        queues[url] = {k: v for k, v in attributes.items() if "Timestamp" not in k}
    parameters = ssm.get_parameters_by_path(Path="/loyalty", Recursive=True, WithDecryption=True)["Parameters"]
    return {
        "tables": ddb.list_tables()["TableNames"],
        "indexes": [i["IndexName"] for i in ddb.describe_table(TableName="loyalty-local")["Table"]
                    ["GlobalSecondaryIndexes"]],
        "queues": queues,
        "topics": boto3.client("sns").list_topics()["Topics"],
        "alarms": [a["AlarmName"] for a in boto3.client("cloudwatch").describe_alarms()["MetricAlarms"]],
        "parameters": sorted((p["Name"], p["Value"]) for p in parameters),
        "secrets": [s["Name"] for s in boto3.client("secretsmanager").list_secrets()["SecretList"]],
        "secret": boto3.client("secretsmanager").get_secret_value(SecretId="loyalty/local/programs/demo")
        ["SecretString"],
        "mail": boto3.client("ses").list_configuration_sets()["ConfigurationSets"],
    }
