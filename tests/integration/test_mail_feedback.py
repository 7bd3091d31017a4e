"""Bounces and complaints through the template's EventBridge rule, queue and worker, with two programs on moto:
a complaint counts in the program whose mail it is about, a hard bounce in every program."""
import dataclasses
import json
from datetime import UTC, datetime

import pytest
from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.domain.ledger import Identity, member_id_for
from infra.local.bootstrap import clients, seed_program
from infra.local.settings import program_settings
from tests.integration.queues import ses_feedback

AT = datetime(2026, 11, 23, 12, tzinfo=UTC)
ADA = "ada@example.com"
DEMO, OTHER = Identity("shopify", "demo-shop.myshopify.com:1"), Identity("shopify", "other-shop.myshopify.com:1")


@pytest.fixture
def client(aws):
    """The local program `demo` (sender rewards@demo-shop.myshopify.com) and a second one, `other`; Ada is a
    member of both with the same address."""
    seed_program(dataclasses.replace(program_settings({}), program_id="other", shop_domain="other-shop.myshopify.com",
                                     hubspot_portal_id="", admin_key="other-admin-key"), clients())
    profiles = bootstrap.get_profiles()
    profiles.set_contact("demo", DEMO, ADA, "Ada", AT)
    profiles.set_contact("other", OTHER, ADA, "Ada", AT)
    import app
    with Client(app.app, stage_name="local") as client:
        yield client


def complaint(mail=None):
    detail = {"eventType": "Complaint", "complaint": {"complainedRecipients": [{"emailAddress": ADA}],
                                                      "complaintFeedbackType": "abuse"}}
    return {**detail, "mail": mail} if mail is not None else detail


def flags():
    ledger = bootstrap.get_ledger()
    return {program: (member.complained, member.hard_bounced) for program, member in (
        ("demo", ledger.get_member("demo", member_id_for("demo", DEMO))),
        ("other", ledger.get_member("other", member_id_for("other", OTHER))))}


def test_a_complaint_about_one_programs_mail_suppresses_the_address_in_that_program_only(client, aws):
    assert bootstrap.get_directory().programs() == ["demo", "other"]
    ses_feedback(client, aws, "Email Complaint Received", complaint(
        {"messageId": "m1", "source": "rewards@demo-shop.myshopify.com",
         "tags": {"loyalty-program": ["demo"], "loyalty-kind": ["review_request"]}}))
    assert flags() == {"demo": (True, False), "other": (False, False)}


def test_a_hard_bounce_suppresses_the_address_in_every_program(client, aws):
    ses_feedback(client, aws, "Email Bounced", {"eventType": "Bounce", "bounce": {
        "bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": ADA}]},
        "mail": {"messageId": "m2", "source": "rewards@demo-shop.myshopify.com",
                 "tags": {"loyalty-program": ["demo"]}}})
    assert flags() == {"demo": (False, True), "other": (False, True)}


def test_an_untagged_complaint_counts_in_the_program_that_sends_from_its_sender_address(client, aws):
    ses_feedback(client, aws, "Email Complaint Received", complaint(
        {"messageId": "m3", "source": "Other Rewards <rewards@other-shop.myshopify.com>"}))
    assert flags() == {"demo": (False, False), "other": (True, False)}


def test_an_untagged_complaint_from_an_unknown_sender_counts_in_every_program(client, aws, caplog):
    ses_feedback(client, aws, "Email Complaint Received", complaint(
        {"messageId": "m4", "source": "news@elsewhere.example"}))
    assert flags() == {"demo": (True, False), "other": (True, False)}
    [logged] = [vars(r) for r in caplog.records if r.getMessage() == "mail_feedback_applied"]
    assert (logged["scope"], logged["programs"], logged["members_flagged"]) == ("all_programs", ["demo", "other"], 2)
    assert "example" not in json.dumps(logged, default=str)               # the fallback is logged, no address


def test_a_complaint_without_any_mail_details_counts_in_every_program(client, aws):
    ses_feedback(client, aws, "Email Complaint Received", complaint())
    assert flags() == {"demo": (True, False), "other": (True, False)}
