import json

import pytest

from chalicelib.adapters.ses_feedback import COMPLAINT, HARD_BOUNCE, parse_feedback
from chalicelib.domain.errors import InvalidPayload


def bridge(detail_type, detail):
    return json.dumps({"version": "0", "source": "aws.ses", "detail-type": detail_type, "detail": detail})


BOUNCE = {"eventType": "Bounce", "bounce": {"bounceType": "Permanent", "bounceSubType": "General",
                                            "bouncedRecipients": [{"emailAddress": "Ada@Example.com"}]},
          "mail": {"messageId": "x", "destination": ["ada@example.com"]}}
COMPLAINED = {"eventType": "Complaint", "complaint": {"complainedRecipients": [{"emailAddress": "ada@example.com"}],
                                                      "complaintFeedbackType": "abuse"}}


def test_a_permanent_bounce_and_a_complaint_name_their_addresses():
    assert parse_feedback(bridge("Email Bounced", BOUNCE)) == (HARD_BOUNCE, ["ada@example.com"])
    assert parse_feedback(bridge("Email Complaint Received", COMPLAINED)) == (COMPLAINT, ["ada@example.com"])


def test_the_sns_form_is_read_too():
    sns = json.dumps({"Type": "Notification", "Message": json.dumps({**BOUNCE, "eventType": None,
                                                                       "notificationType": "Bounce"})})
    assert parse_feedback(sns) == (HARD_BOUNCE, ["ada@example.com"])


def test_soft_bounces_and_other_events_need_nothing():
    transient = {**BOUNCE, "bounce": {**BOUNCE["bounce"], "bounceType": "Transient"}}
    assert parse_feedback(bridge("Email Bounced", transient)) == (None, [])
    assert parse_feedback(bridge("Email Delivered", {"eventType": "Delivery"})) == (None, [])


def test_a_notice_that_is_not_json_is_refused():
    with pytest.raises(InvalidPayload):
        parse_feedback("not json")
