"""One idempotent creator per CloudFormation resource type: resolved properties in, what Ref/GetAtt give out."""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import secrets
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from infra.local.cfn import Created

log = logging.getLogger("infra.local.bootstrap")
Clients = Callable[[str], Any]

_TABLE_KEYS = ("AttributeDefinitions", "KeySchema", "BillingMode", "ProvisionedThroughput", "LocalSecondaryIndexes",
               "TableClass", "DeletionProtectionEnabled")
_INDEX_KEYS = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput", "OnDemandThroughput")
_JSON_ATTRIBUTES = {"RedrivePolicy", "RedriveAllowPolicy"}
_TOPIC_ATTRIBUTES = ("DisplayName", "KmsMasterKeyId", "FifoTopic", "ContentBasedDeduplication")
_PARAMETER_KEYS = ("Name", "Value", "Type", "Description", "AllowedPattern", "Tier", "DataType")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def create_table(aws: Clients, props: dict[str, Any]) -> Created:
    ddb, name = aws("dynamodb"), props["TableName"]
    request = {k: props[k] for k in _TABLE_KEYS if k in props}
    indexes = [{k: i[k] for k in _INDEX_KEYS if k in i} for i in props.get("GlobalSecondaryIndexes", [])]
    if indexes:
        request["GlobalSecondaryIndexes"] = indexes
    if "StreamSpecification" in props:
        request["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    if "SSESpecification" in props:
        request["SSESpecification"] = {"Enabled": bool(props["SSESpecification"].get("SSEEnabled"))}
    try:
        ddb.create_table(TableName=name, **request)
    except ClientError as e:
        if _code(e) != "ResourceInUseException":
            raise
        _add_missing_indexes(ddb, name, request)
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    _ensure_ttl(ddb, name, props.get("TimeToLiveSpecification"))
    _ensure_pitr(ddb, name, props.get("PointInTimeRecoverySpecification"))
    table = ddb.describe_table(TableName=name)["Table"]
    return Created(ref=name, attrs={"Arn": table["TableArn"], "StreamArn": table.get("LatestStreamArn", "")})


def _add_missing_indexes(ddb: Any, name: str, request: dict[str, Any]) -> None:
    """A table kept from an earlier run (DynamoDB Local data survives restarts) gets indexes added since."""
    existing = {i["IndexName"] for i in ddb.describe_table(TableName=name)["Table"].get("GlobalSecondaryIndexes", [])}
    for index in request.get("GlobalSecondaryIndexes", []):
        if index["IndexName"] not in existing:
            log.info("%s: adding index %s", name, index["IndexName"])
            ddb.update_table(TableName=name, AttributeDefinitions=request["AttributeDefinitions"],
                             GlobalSecondaryIndexUpdates=[{"Create": index}])


def _ensure_ttl(ddb: Any, name: str, spec: dict[str, Any] | None) -> None:
    if not spec or not spec.get("Enabled"):
        return
    current = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    if current.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
        return
    ddb.update_time_to_live(TableName=name,
                            TimeToLiveSpecification={"Enabled": True, "AttributeName": spec["AttributeName"]})


def _ensure_pitr(ddb: Any, name: str, spec: dict[str, Any] | None) -> None:
    if not spec or not spec.get("PointInTimeRecoveryEnabled"):
        return
    try:
        ddb.update_continuous_backups(TableName=name,
                                      PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    except ClientError as e:
        if _code(e) != "UnknownOperationException":
            raise
        log.info("%s: point-in-time recovery does not exist in DynamoDB Local; skipped", name)


def _attribute(key: str, value: Any) -> str:
    if key in _JSON_ATTRIBUTES:
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def create_queue(aws: Clients, props: dict[str, Any]) -> Created:
    sqs, name = aws("sqs"), props["QueueName"]
    attributes = {k: _attribute(k, v) for k, v in props.items() if k not in ("QueueName", "Tags")}
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        sqs.set_queue_attributes(QueueUrl=url, Attributes={k: v for k, v in attributes.items() if k != "FifoQueue"})
    except sqs.exceptions.QueueDoesNotExist:
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return Created(ref=url, attrs={"Arn": arn, "QueueName": name, "QueueUrl": url})


def create_topic(aws: Clients, props: dict[str, Any]) -> Created:
    attributes = {k: _attribute(k, props[k]) for k in _TOPIC_ATTRIBUTES if k in props}
    arn = aws("sns").create_topic(Name=props["TopicName"], Attributes=attributes)["TopicArn"]
    return Created(ref=arn, attrs={"TopicArn": arn, "TopicName": props["TopicName"]})


def create_key(aws: Clients, props: dict[str, Any]) -> Created:
    """A KMS key, found again by its description (one per stack purpose)."""
    kms = aws("kms")
    for key in kms.list_keys()["Keys"]:
        found = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if found.get("Description") == props.get("Description") and found.get("KeyState") == "Enabled":
            return Created(ref=found["KeyId"], attrs={"Arn": found["Arn"], "KeyId": found["KeyId"]})
    made = kms.create_key(Description=props.get("Description", ""), Policy=json.dumps(props["KeyPolicy"]))
    metadata = made["KeyMetadata"]
    if props.get("EnableKeyRotation"):
        kms.enable_key_rotation(KeyId=metadata["KeyId"])
    return Created(ref=metadata["KeyId"], attrs={"Arn": metadata["Arn"], "KeyId": metadata["KeyId"]})


def create_subscription(aws: Clients, props: dict[str, Any]) -> Created:
    sns = aws("sns")
    for sub in sns.list_subscriptions_by_topic(TopicArn=props["TopicArn"])["Subscriptions"]:
        if (sub["Protocol"], sub["Endpoint"]) == (props["Protocol"], props["Endpoint"]):
            return Created(ref=sub["SubscriptionArn"])
    response = sns.subscribe(TopicArn=props["TopicArn"], Protocol=props["Protocol"], Endpoint=props["Endpoint"],
                             ReturnSubscriptionArn=True)
    return Created(ref=response["SubscriptionArn"])


def put_alarm(aws: Clients, props: dict[str, Any]) -> Created:
    cloudwatch = aws("cloudwatch")
    cloudwatch.put_metric_alarm(**props)
    alarm = cloudwatch.describe_alarms(AlarmNames=[props["AlarmName"]])["MetricAlarms"][0]
    return Created(ref=props["AlarmName"], attrs={"Arn": alarm["AlarmArn"]})


def put_parameter(aws: Clients, props: dict[str, Any]) -> Created:
    aws("ssm").put_parameter(Overwrite=True, **{k: props[k] for k in _PARAMETER_KEYS if k in props})
    return Created(ref=props["Name"], attrs={"Type": props["Type"], "Value": props["Value"]})


def create_secret(aws: Clients, props: dict[str, Any]) -> Created:
    """Created once with the template's value; an existing secret keeps its (seeded) value."""
    sm, name = aws("secretsmanager"), props["Name"]
    value = props.get("SecretString")
    generate = props.get("GenerateSecretString")
    if value is None and generate:      # the template's JSON with a random value under the generated key
        value = json.dumps({**json.loads(generate["SecretStringTemplate"]),
                            generate["GenerateStringKey"]: secrets.token_urlsafe(32)})
    if value is None:
        raise NotImplementedError(f"secret {name}: give SecretString or GenerateSecretString with a template")
    try:
        arn = sm.describe_secret(SecretId=name)["ARN"]
    except sm.exceptions.ResourceNotFoundException:
        arn = sm.create_secret(Name=name, Description=props.get("Description", ""), SecretString=value)["ARN"]
    return Created(ref=arn, attrs={"Id": arn})


def create_configuration_set(aws: Clients, props: dict[str, Any]) -> Created:
    """SES v1 configuration set (moto does not model its reputation and sending options)."""
    ses = aws("ses")
    with contextlib.suppress(ses.exceptions.ConfigurationSetAlreadyExistsException):
        ses.create_configuration_set(ConfigurationSet={"Name": props["Name"]})
    return Created(ref=props["Name"])


def put_rule(aws: Clients, props: dict[str, Any]) -> Created:
    """An EventBridge rule with its (SQS) targets; moto delivers matching put_events to SQS."""
    events = aws("events")
    arn = events.put_rule(Name=props["Name"], EventPattern=json.dumps(props["EventPattern"]),
                          Description=props.get("Description", ""), State="ENABLED")["RuleArn"]
    events.put_targets(Rule=props["Name"], Targets=[{"Id": t["Id"], "Arn": t["Arn"]} for t in props["Targets"]])
    return Created(ref=props["Name"], attrs={"Arn": arn})


def put_queue_policy(aws: Clients, props: dict[str, Any]) -> Created:
    sqs = aws("sqs")
    for url in props["Queues"]:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(props["PolicyDocument"])})
    return Created(ref=",".join(props["Queues"]))


def create_bucket(aws: Clients, props: dict[str, Any]) -> Created:
    """An S3 bucket with the template's encryption, public access block and lifecycle rules (moto keeps them)."""
    s3, name = aws("s3"), props["BucketName"]
    region = s3.meta.region_name
    try:
        s3.create_bucket(Bucket=name, **({} if region == "us-east-1" else
                                         {"CreateBucketConfiguration": {"LocationConstraint": region}}))
    except ClientError as e:
        if _code(e) != "BucketAlreadyOwnedByYou":
            raise
    if "BucketEncryption" in props:
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": r["ServerSideEncryptionByDefault"]}
                      for r in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]]})
    if "PublicAccessBlockConfiguration" in props:
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"])
    rules = props.get("LifecycleConfiguration", {}).get("Rules", [])
    if rules:
        s3.put_bucket_lifecycle_configuration(Bucket=name,
                                              LifecycleConfiguration={"Rules": [_lifecycle(r) for r in rules]})
    return Created(ref=name, attrs={"Arn": f"arn:aws:s3:::{name}", "DomainName": f"{name}.s3.amazonaws.com"})


def _lifecycle(rule: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation lifecycle rule in the shape of the S3 API (expiry rules only: the template has no others)."""
    converted: dict[str, Any] = {"ID": rule.get("Id", ""), "Status": rule["Status"],
                                 "Filter": {"Prefix": rule.get("Prefix", "")}}
    if "ExpirationInDays" in rule:
        converted["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    if "AbortIncompleteMultipartUpload" in rule:
        converted["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])}
    return converted
