"""What each packaged function may do on AWS: the one table of rights. `make package` turns it into each function's
role (infra/function_policies.py); tests/infra/test_function_policies.py checks the packaged template against it.

A function's needs follow from its code: its handler (chalicelib/web for `api_handler`, chalicelib/jobs for the
others) calls the getters of chalicelib/bootstrap.py, whose adapters (chalicelib/adapters) make the AWS calls. Two
rights are not in this table because they are not the code's: the right to write the function's own log group (every
function, added by infra/function_policies.py) and, for a scheduled function, the right to send its failed
invocation to the on-failure queue (added with that destination by infra/function_alarms.py).

Resources are the stack's own: the table and the indexes a function queries, its queues, prefixes of its buckets, the
stage's SSM parameters and program secrets. DynamoDB authorises a transaction's items by their own actions (PutItem,
UpdateItem, DeleteItem); the code uses no ConditionCheck item, no Scan and no PartiQL.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from infra.analytics.sql import EXPORT_PREFIX


@dataclass(frozen=True)
class Grant:
    sid: str
    actions: tuple[str, ...]
    resources: tuple[Any, ...]
    condition: dict[str, Any] | None = None


def _arn(service: str, resource: str) -> dict[str, str]:
    return {"Fn::Sub": f"arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{resource}"}


TABLE = {"Fn::GetAtt": ["LoyaltyTable", "Arn"]}


def indexes(*names: str) -> tuple[dict[str, str], ...]:
    return tuple({"Fn::Sub": f"${{LoyaltyTable.Arn}}/index/{name}"} for name in names)


def queue(name: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [name, "Arn"]}


def objects(bucket: str, prefix: str) -> dict[str, str]:
    return {"Fn::Sub": f"${{{bucket}.Arn}}/{prefix}*"}


def parameters(*paths: str) -> tuple[dict[str, str], ...]:
    """Parameters under /loyalty/<stage>/ (GetParametersByPath is authorised on the path itself)."""
    return tuple(_arn("ssm", f"parameter/loyalty/${{Stage}}/{path}") for path in paths)


# Each program's secret; Secrets Manager adds a random suffix to a secret's ARN.
PROGRAM_SECRETS = _arn("secretsmanager", "secret:loyalty/${Stage}/programs/*")
# The program's sender, as a verified address or as its verified domain, and the stack's configuration set.
SENDER_IDENTITIES = (_arn("ses", "identity/${SenderEmail}"),
                     {"Fn::Sub": ["arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${Domain}",
                                  {"Domain": {"Fn::Select": [1, {"Fn::Split": ["@", {"Ref": "SenderEmail"}]}]}}]},
                     _arn("ses", "configuration-set/${MailConfigurationSet}"))

READ = ("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query")
WRITE = ("dynamodb:PutItem", "dynamodb:UpdateItem")
DELETE = ("dynamodb:DeleteItem",)
IN_TRANSACTIONS_ONLY = {"StringEquals": {"dynamodb:EnclosingOperation": "TransactWriteItems"}}
SETTINGS = ("ssm:GetParameter", "ssm:GetParametersByPath")
SECRETS = ("secretsmanager:GetSecretValue",)
# What Lambda's SQS event source mapping does with the function's role.
CONSUME = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")
SEND = ("sqs:SendMessage", "sqs:GetQueueUrl")      # SendMessageBatch is authorised as sqs:SendMessage

PROGRAMS = parameters("programs", "programs/*")    # every program's config; the list of programs


def table(*index_names: str, delete: bool = True, batch_write: bool = False) -> tuple[Grant, ...]:
    """Reads and writes of the table, Query on the named indexes, standalone DeleteItem unless told."""
    grants = [Grant("ReadTable", READ, (TABLE,)), Grant("WriteTable", WRITE, (TABLE,))]
    if index_names:
        grants.insert(1, Grant("QueryIndexes", ("dynamodb:Query",), indexes(*index_names)))
    if delete:
        grants.append(Grant("DeleteItems", DELETE, (TABLE,)))
    if batch_write:
        grants.append(Grant("BatchWriteItems", ("dynamodb:BatchWriteItem",), (TABLE,)))
    return tuple(grants)


def settings(*paths: str, secrets: bool = True) -> tuple[Grant, ...]:
    grants = [Grant("ReadSettings", SETTINGS, PROGRAMS + parameters(*paths))]
    if secrets:
        grants.append(Grant("ReadProgramSecrets", SECRETS, (PROGRAM_SECRETS,)))
    return tuple(grants)


# Mail from the program's sender only (SES checks the Source address against ses:FromAddress).
SEND_MAIL = Grant("SendMailAsTheProgram", ("ses:SendRawEmail",), SENDER_IDENTITIES,
                  {"StringEquals": {"ses:FromAddress": {"Ref": "SenderEmail"}}})
# A Due-index job reads what is due, and records, parks and clears (DeleteItem) its items' failures.
DUE_JOB = table("Due")

NEEDS: dict[str, tuple[Grant, ...]] = {
    # Internet-facing: webhooks in (verify, store a large body, queue) and the admin API. It deletes only inside its
    # transactions (a merge's or a withdrawn rule version's items) and never batch-writes; no mail, no queue reads.
    "api_handler": (
        *table("GSI1", "Members", "Shop", delete=False),
        Grant("DeleteInTransactionsOnly", DELETE, (TABLE,), IN_TRANSACTIONS_ONLY),
        Grant("QueueWebhooks", SEND, (queue("IngestQueue"),)),
        Grant("StoreLargeWebhookBodies", ("s3:PutObject",), (objects("PayloadBucket", "ingest/"),)),
        *settings("shops/*", "hubspot-portals/*", "admin-keys/*", "payload-bucket"),
    ),
    # The ingest worker: applies queued webhooks; its merges delete due marks inside their transactions only.
    "handle_ingest": (
        *table("GSI1", delete=False),
        Grant("DeleteInTransactionsOnly", DELETE, (TABLE,), IN_TRANSACTIONS_ONLY),
        Grant("ConsumeIngestQueue", CONSUME, (queue("IngestQueue"),)),
        Grant("ReadLargeWebhookBodies", ("s3:GetObject",), (objects("PayloadBucket", "ingest/"),)),
        *settings("shops/*", "payload-bucket"),
    ),
    "handle_mail_feedback": (
        *table("GSI1", delete=False),
        Grant("ConsumeMailFeedbackQueue", CONSUME, (queue("MailFeedbackQueue"),)),
        *settings(),
    ),
    "orders_due": (*DUE_JOB, *settings(secrets=False)),
    "expire_inactive": (*DUE_JOB, *settings(secrets=False)),
    "review_tiers": (*DUE_JOB, *settings(secrets=False)),
    # shop/redact: everything one shop brought in, found through the Shop index, deleted 25 items a request.
    "erase_shops": (*table("Due", "Shop", batch_write=True), *settings(secrets=False)),
    "dispatch_messages": (*DUE_JOB, SEND_MAIL, *settings()),
    "register_discounts": (*DUE_JOB, *settings()),
    # Sync statuses are written 25 a request; a member's sync mark is deleted once synced.
    "sync_crm": (*table("Due", batch_write=True), *settings()),
    "hubspot_setup": (
        Grant("ReadConnectorState", ("dynamodb:GetItem",), (TABLE,)),
        Grant("WriteConnectorState", ("dynamodb:UpdateItem",), (TABLE,)),
        *settings(),
    ),
    # The merchant's alert for an unhappy answer goes through SES, from the program's sender like the dispatcher's.
    "feedback_followup": (*DUE_JOB, SEND_MAIL, *settings()),
    "campaigns": (*DUE_JOB, *settings()),
    # Facts the webhooks never brought, applied as the ingest worker applies them (its merges delete due marks inside
    # their transactions only); the watermarks, runs and repairs. The bodies come from Shopify's and HubSpot's APIs
    # (the program secret's tokens), not from a queue or the payload bucket.
    "reconcile": (
        *table("GSI1", delete=False),
        Grant("DeleteInTransactionsOnly", DELETE, (TABLE,), IN_TRANSACTIONS_ONLY),
        *settings("shops/*"),
    ),
    # The nightly run's start: the run item, the day counters' month totals, one task per shard on the journey queue.
    "journey": (
        *table(delete=False),
        Grant("QueueJourneyTasks", SEND, (queue("JourneyQueue"),)),
        *settings(secrets=False),
    ),
    # The run's tasks: one at a time from the journey queue (and back on it when time runs short); its files between
    # tasks (journey/) and the contact ids last published to each HubSpot list (hubspot-lists/) in the payload bucket.
    "handle_journey": (
        *table("Members", delete=False),
        Grant("ConsumeJourneyQueue", CONSUME, (queue("JourneyQueue"),)),
        Grant("QueueJourneyTasks", SEND, (queue("JourneyQueue"),)),
        Grant("RunFiles", ("s3:GetObject", "s3:PutObject"),
              (objects("PayloadBucket", "journey/"), objects("PayloadBucket", "hubspot-lists/"))),
        Grant("ListRunFiles", ("s3:ListBucket",), ({"Fn::GetAtt": ["PayloadBucket", "Arn"]},),
              {"StringLike": {"s3:prefix": ["journey/*", "hubspot-lists/*"]}}),
        *settings("payload-bucket"),
    ),
    # Table-wide, no program settings: the export's watermark item, the table's ARN, exports written under exports/
    # with this role's rights (DynamoDB's export needs s3:PutObjectAcl too).
    "analytics_export": (
        Grant("ExportWatermark", ("dynamodb:GetItem", "dynamodb:UpdateItem"), (TABLE,)),
        Grant("ExportTable", ("dynamodb:DescribeTable", "dynamodb:ExportTableToPointInTime"), (TABLE,)),
        Grant("WriteExports", ("s3:PutObject", "s3:PutObjectAcl", "s3:AbortMultipartUpload"),
              (objects("AnalyticsBucket", f"{EXPORT_PREFIX}/"),)),
    ),
}
