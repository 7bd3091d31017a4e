import json

import pytest

from chalicelib.adapters.ses_feedback import COMPLAINT, HARD_BOUNCE, parse_feedback
from chalicelib.adapters.ses_tags import encode_value
from chalicelib.domain.errors import InvalidPayload


def bridge(detail_type, detail):
    return json.dumps({"version": "0", "source": "aws.ses", "detail-type": detail_type, "detail": detail})


BOUNCE = {"eventType": "Bounce", "bounce": {"bounceType": "Permanent", "bounceSubType": "General",
                                            "bouncedRecipients": [{"emailAddress": "Ada@Example.com"}]},
          "mail": {"messageId": "x", "destination": ["ada@example.com"]}}
COMPLAINED = {"eventType": "Complaint", "complaint": {"complainedRecipients": [{"emailAddress": "ada@example.com"}],
                                                      "complaintFeedbackType": "abuse"}}


def kind_and_addresses(notice):
    return notice.kind, list(notice.addresses)


def test_a_permanent_bounce_and_a_complaint_name_their_addresses():
    assert kind_and_addresses(parse_feedback(bridge("Email Bounced", BOUNCE))) == (HARD_BOUNCE, ["ada@example.com"])
    assert kind_and_addresses(parse_feedback(bridge("Email Complaint Received", COMPLAINED))) == (
        COMPLAINT, ["ada@example.com"])


def test_the_sns_form_is_read_too():
    sns = json.dumps({"Type": "Notification", "Message": json.dumps({**BOUNCE, "eventType": None,
                                                                       "notificationType": "Bounce"})})
    assert kind_and_addresses(parse_feedback(sns)) == (HARD_BOUNCE, ["ada@example.com"])


def test_soft_bounces_and_other_events_need_nothing():
    transient = {**BOUNCE, "bounce": {**BOUNCE["bounce"], "bounceType": "Transient"}}
    assert kind_and_addresses(parse_feedback(bridge("Email Bounced", transient))) == (None, [])
    assert kind_and_addresses(parse_feedback(bridge("Email Delivered", {"eventType": "Delivery"}))) == (None, [])


def test_a_notice_that_is_not_json_is_refused():
    with pytest.raises(InvalidPayload):
        parse_feedback("not json")


def tagged(detail, tags, source="Demo Rewards <Rewards@Demo-Shop.example>"):
    return {**detail, "mail": {"messageId": "x", "source": source, "tags": tags}}


def test_the_program_tag_and_the_sender_of_the_mail_are_read():
    tags = {"loyalty-program": ["demo"], "loyalty-kind": ["review_request"], "ses:configuration-set": ["loyalty"]}
    notice = parse_feedback(bridge("Email Complaint Received", tagged(COMPLAINED, tags)))
    assert (notice.kind, notice.program_id, notice.source) == (COMPLAINT, "demo", "rewards@demo-shop.example")
    sns = json.dumps({"Type": "Notification", "Message": json.dumps(
        {**tagged(COMPLAINED, tags), "eventType": None, "notificationType": "Complaint"})})
    assert parse_feedback(sns).program_id == "demo"


def test_a_program_id_that_is_no_valid_tag_value_comes_back_from_its_encoding():
    tags = {"loyalty-program": [encode_value("café.shop/eu")]}
    assert parse_feedback(bridge("Email Complaint Received", tagged(COMPLAINED, tags))).program_id == "café.shop/eu"


@pytest.mark.parametrize("tags", [None, {}, {"loyalty-program": []}, {"loyalty-program": ["a", "b"]},
                                  {"loyalty-program": ["b64_!!"]}, {"loyalty-program": [7]}, ["demo"]])
def test_mail_without_a_usable_program_tag_names_no_program(tags):
    notice = parse_feedback(bridge("Email Complaint Received", tagged(COMPLAINED, tags)))
    assert (notice.kind, notice.program_id) == (COMPLAINT, None)


def test_an_identity_notification_without_mail_details_names_neither_program_nor_sender():
    notice = parse_feedback(bridge("Email Complaint Received", COMPLAINED))
    assert (notice.program_id, notice.source) == (None, None)
