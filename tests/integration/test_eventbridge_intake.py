"""Shopify webhooks through Amazon EventBridge on moto: the rule puts the event on the ingest queue as it is, the
worker applies it as it applies an HTTPS webhook, and the same order through both paths counts once."""
import json
from datetime import UTC, datetime

import pytest
from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.domain.ledger import Identity, member_id_for
from tests.factories import SHOP, make_order
from tests.fakes import FixedClock
from tests.integration.queues import deliver, drain, queue_url

ORDER = make_order()
MEMBER = member_id_for("demo", Identity("shopify", f"{SHOP}:{ORDER['customer']['id']}"))


@pytest.fixture
def client(aws):
    import app
    bootstrap.override("clock", FixedClock(datetime(2026, 11, 23, 12, 0, tzinfo=UTC)))
    with Client(app.app, stage_name="local") as client:
        yield client


def through_eventbridge(aws, order, webhook_id, shop=SHOP):
    event = {"version": "0", "id": f"eb-{webhook_id}", "detail-type": "shopifyWebhook",
             "source": "aws.partner/shopify.com/123456/loyalty", "account": "111122223333",
             "time": "2026-11-23T12:00:05Z", "region": "eu-west-1", "resources": [],
             "detail": {"metadata": {"X-Shopify-Topic": "orders/paid", "X-Shopify-Shop-Domain": shop,
                                     "X-Shopify-Webhook-Id": webhook_id, "X-Shopify-API-Version": "2025-10"},
                        "payload": order}}
    aws.client("sqs").send_message(QueueUrl=queue_url(aws), MessageBody=json.dumps(event))


def balance():
    member = bootstrap.get_ledger().get_member("demo", MEMBER)
    return member.points_balance + member.pending_points if member else None


def test_an_order_through_eventbridge_is_applied_as_an_https_webhook_is(client, aws):
    through_eventbridge(aws, ORDER, "wh-eb-1")
    assert drain(client, aws, require=True) == 1
    assert balance() == 150


def test_the_same_order_through_both_paths_counts_once(client, aws):
    deliver(client, aws, "orders/paid", ORDER, "wh-https-1", require=True)
    through_eventbridge(aws, ORDER, "wh-eb-1")          # Shopify's EventBridge copy: another webhook id
    drain(client, aws, require=True)
    assert balance() == 150


def test_an_event_for_a_shop_of_no_program_is_refused_and_not_retried(client, aws):
    through_eventbridge(aws, ORDER, "wh-eb-2", shop="another-shop.myshopify.com")
    assert drain(client, aws, require=True) == 1       # applied: acknowledged, not failed
    assert balance() is None
