"""SES delivery and open events are read by the tags the mailer put on the mail; clicks, deliveries and opens are
written as bounded timeline items and read back as the member's events."""
import json
from datetime import UTC, datetime

import pytest

from chalicelib.adapters.dynamodb_attributes import from_attributes
from chalicelib.adapters.dynamodb_engagement import click_update, mail_event_writes
from chalicelib.adapters.dynamodb_member_events import event_from_item
from chalicelib.adapters.ses_engagement import parse_engagement
from chalicelib.adapters.ses_tags import ses_tags
from chalicelib.domain.engagement import DELIVERED, OPENED, MailEngagement
from chalicelib.domain.errors import InvalidPayload
from chalicelib.domain.member_events import LinkClicked, MailDelivered, MailOpened

MEMBER, MESSAGE = "m_" + "a" * 24, "msg_" + "b" * 24
AT = datetime(2026, 11, 23, 12, 0, 5, 240000, tzinfo=UTC)
TAGS = {"loyalty-program": ["demo"], "loyalty-kind": ["campaign_message"], "loyalty-member": [MEMBER],
        "loyalty-message": [MESSAGE], "ses:configuration-set": ["loyalty-local"]}


def bridge(detail_type, detail):
    return json.dumps({"version": "0", "source": "aws.ses", "detail-type": detail_type, "detail": detail})


def delivery(tags=TAGS, **changes):
    return {"eventType": "Delivery", "mail": {"timestamp": "2026-11-23T12:00:00.000Z", "messageId": "ses-1",
                                              "tags": tags},
            "delivery": {"timestamp": "2026-11-23T12:00:05.240Z", "recipients": ["ada@example.com"]}, **changes}


def test_the_mailer_tags_a_dispatched_message_with_its_member_and_id():
    assert ses_tags("demo", "campaign_message", MEMBER, MESSAGE)[2:] == [
        {"Name": "loyalty-member", "Value": MEMBER}, {"Name": "loyalty-message", "Value": MESSAGE}]


def test_a_delivery_and_an_open_of_a_tagged_mail_are_read_in_both_forms():
    expected = MailEngagement(DELIVERED, "demo", MEMBER, MESSAGE, AT, "campaign_message")
    assert parse_engagement(bridge("Email Delivered", delivery())) == expected
    assert parse_engagement(json.dumps({"Type": "Notification", "Message": json.dumps(delivery())})) == expected
    opened = {"eventType": "Open", "mail": delivery()["mail"],
              "open": {"timestamp": "2026-11-23T13:00:00Z", "userAgent": "Mozilla", "ipAddress": "192.0.2.1"}}
    assert parse_engagement(bridge("Email Opened", opened)) == MailEngagement(
        OPENED, "demo", MEMBER, MESSAGE, datetime(2026, 11, 23, 13, tzinfo=UTC), "campaign_message")


@pytest.mark.parametrize("detail", [
    delivery(tags={"loyalty-program": ["demo"], "loyalty-kind": ["welcome"]}),           # sent before the tags
    delivery(tags={**TAGS, "loyalty-member": ["m_1"]}),
    delivery(tags={**TAGS, "loyalty-message": ["msg_x", "msg_y"]}),
    delivery(mail={"tags": TAGS}, delivery={"timestamp": "yesterday"}),
    delivery(mail={"tags": TAGS}, delivery={"timestamp": "2026-11-23T12:00:00"}),      # no offset: not a moment
    {**delivery(), "eventType": "Bounce"},
    {**delivery(), "eventType": "Click"},
    {"eventType": "Delivery"},
    [],
])
def test_anything_else_is_none(detail):
    assert parse_engagement(bridge("Email Delivered", detail)) is None


def test_a_notice_that_is_not_json_is_refused():
    with pytest.raises(InvalidPayload):
        parse_engagement("{")


def test_a_click_counts_on_one_item_per_link_and_scanner_and_reads_back_as_an_event():
    click = LinkClicked(AT, MESSAGE, "shop.example.com", "cmp_1", False, "/new")
    request = click_update("loyalty", "demo", MEMBER, click)
    assert request["UpdateExpression"].endswith(" ADD clicks :one")
    assert "#at = if_not_exists(#at, :at)" in request["UpdateExpression"]
    assert from_attributes(request["Key"])["SK"].startswith(f"EVT#L#{MESSAGE}#")
    assert from_attributes(request["Key"])["SK"].endswith("#h")
    scanner = click_update("loyalty", "demo", MEMBER, LinkClicked(AT, MESSAGE, "shop.example.com", None, True, "/new"))
    assert scanner["Key"]["SK"]["S"].endswith("#s")
    assert ":campaign" not in scanner["ExpressionAttributeValues"]
    item = {**request["Key"], **{k.lstrip(":"): v for k, v in request["ExpressionAttributeValues"].items()},
            "clicks": {"N": "3"}, "url_host": {"S": "shop.example.com"}, "url_path": {"S": "/new"},
            "likely_scanner": {"BOOL": False}, "campaign_id": {"S": "cmp_1"}, "message_id": {"S": MESSAGE}}
    assert event_from_item(item) == LinkClicked(AT, MESSAGE, "shop.example.com", "cmp_1", False, "/new", clicks=3)


def test_a_delivery_is_set_once_on_its_message_with_its_timeline_item_and_its_days_mail_counter():
    update, put, counted = mail_event_writes("loyalty", "demo", MEMBER, MailDelivered(AT, MESSAGE, "campaign_message"))
    assert counted["Update"]["ExpressionAttributeNames"]["#n0"] == "mail_delivered:campaign_message"
    assert update["Update"]["ConditionExpression"] == "attribute_exists(PK) AND attribute_not_exists(delivered_at)"
    assert from_attributes(update["Update"]["Key"])["SK"] == f"MSG#{MESSAGE}"
    assert from_attributes(put["Put"]["Item"])["SK"] == f"EVT#D#{MESSAGE}"
    assert event_from_item(put["Put"]["Item"]) == MailDelivered(AT, MESSAGE, "campaign_message")
    _, opened = mail_event_writes("loyalty", "demo", MEMBER, MailOpened(AT, MESSAGE))    # no kind: no counter
    assert event_from_item(opened["Put"]["Item"]) == MailOpened(AT, MESSAGE)
