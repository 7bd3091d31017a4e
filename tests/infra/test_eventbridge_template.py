"""Shopify → Amazon EventBridge → the ingest queue: off unless the stack is given the partner event source; then the
rule sends only Shopify webhook events, to the ingest queue (its dead-letter queue for what it cannot deliver), and
only that rule may send to them."""
from __future__ import annotations

import re
from typing import Any

import pytest

CONDITIONED = ("ShopifyEventBus", "ShopifyEventRule", "ShopifyEventQueuePolicy")


@pytest.fixture
def template(packaged: tuple[Any, dict[str, Any]]) -> dict[str, Any]:
    return packaged[1]


def test_the_path_exists_only_with_a_partner_event_source(template):
    parameter = template["Parameters"]["ShopifyEventSourceName"]
    assert parameter["Default"] == ""
    pattern = re.compile(f"^{parameter['AllowedPattern']}$")
    assert pattern.match("aws.partner/shopify.com/123456/loyalty-prod")
    assert not pattern.match("aws.partner/another.com/123456/x")
    for name in CONDITIONED:
        assert template["Resources"][name]["Condition"] == "HasShopifyEventSource"


def test_the_rule_sends_shopify_webhooks_to_the_ingest_queue_and_only_it_may(template):
    resources = template["Resources"]
    rule = resources["ShopifyEventRule"]["Properties"]
    assert rule["EventBusName"] == {"Ref": "ShopifyEventBus"}
    assert rule["EventPattern"] == {"detail-type": ["shopifyWebhook"]}
    [target] = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["IngestQueue", "Arn"]}
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["IngestDeadLetterQueue", "Arn"]}}
    [statement] = resources["ShopifyEventQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["ShopifyEventRule", "Arn"]}}}
