"""The template gives the claim check what the code assumes: a queue (and dead-letter queue) that takes the messages
the code sends inline, a private bucket whose objects outlive any message pointing at them, and its name in SSM."""
from __future__ import annotations

from cfnlint.decode import decode_str

from chalicelib.adapters.sqs_queue import BATCH_BYTES, INLINE_BYTES
from infra.function_needs import NEEDS
from infra.local.settings import TEMPLATE

SQS_ATTRIBUTES_ROOM = 1024     # the two message attributes (names, types, values) count towards the size too


def resources():
    doc, problems = decode_str(TEMPLATE.read_text(encoding="utf-8"))
    assert not problems
    return doc["Resources"]


def test_the_ingest_queues_take_every_message_the_code_sends_inline():
    found = resources()
    for name in ("IngestQueue", "IngestDeadLetterQueue"):
        assert found[name]["Properties"]["MaximumMessageSize"] >= INLINE_BYTES + SQS_ATTRIBUTES_ROOM
    assert BATCH_BYTES <= 262_144      # SendMessageBatch's total, historical and current


def test_stored_bodies_outlive_the_messages_that_point_at_them():
    found = resources()
    retention_days = max(found[q]["Properties"]["MessageRetentionPeriod"] for q in ("IngestQueue",
                                                                                     "IngestDeadLetterQueue")) / 86400
    [expiry] = [r["ExpirationInDays"] for r in expiry_rules() if "ingest/some-body".startswith(_prefix(r))]
    assert retention_days < expiry <= 30     # and within the 30 days Shopify gives for redaction requests


def test_the_bucket_is_private_and_named_where_the_app_reads_it():
    found = resources()
    block = found["PayloadBucket"]["Properties"]["PublicAccessBlockConfiguration"]
    assert all(block[k] for k in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"))
    parameter = found["PayloadBucketName"]["Properties"]
    assert parameter["Name"] == {"Fn::Sub": "/loyalty/${Stage}/payload-bucket"}
    assert parameter["Value"] == {"Ref": "PayloadBucket"}


def test_the_api_may_store_large_bodies_and_the_worker_read_them_under_ingest_only():
    def rights(function):
        return {(action, str(resource)) for grant in NEEDS[function] for action in grant.actions
                for resource in grant.resources if action.startswith("s3:")}

    ingest = str({"Fn::Sub": "${PayloadBucket.Arn}/ingest/*"})
    assert rights("api_handler") == {("s3:PutObject", ingest)}
    assert rights("handle_ingest") == {("s3:GetObject", ingest)}


def expiry_rules():
    rules = resources()["PayloadBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    return [r for r in rules if r["Status"] == "Enabled" and "ExpirationInDays" in r]


def _prefix(rule):
    return rule.get("Prefix", rule.get("Filter", {}).get("Prefix", ""))


def expiry_of(key):
    found = [r["ExpirationInDays"] for r in expiry_rules() if key.startswith(_prefix(r))]
    return min(found) if found else None


def test_the_expiry_rules_cover_the_journey_runs_files_but_never_the_published_hubspot_lists():
    assert expiry_of("journey/demo/20260501T031500Z/summary-0.csv.gz") == expiry_of("ingest/some-body") == 15
    assert expiry_of("journey/demo/lists/20260501T031500Z/000-start.csv.gz") == 15
    assert expiry_of("hubspot-lists/demo/stage%3Aloyal.csv.gz") is None
