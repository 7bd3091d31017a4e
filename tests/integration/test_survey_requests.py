"""Surveys asked through the worker, the dispatcher and SES (moto): one-click score links that verify, the throttle,
the cap, consent and quiet hours, each trigger once, and review requests that never depend on an answer."""
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib import bootstrap
from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.adapters.dynamodb_attributes import item_key, to_attributes
from chalicelib.adapters.dynamodb_codec import feedback_attribute
from chalicelib.domain import surveys
from chalicelib.domain.messages import new_message
from chalicelib.domain.program import ProgramRules
from chalicelib.domain.surveys import FeedbackFacts, SurveyRules
from chalicelib.services.deliveries import apply_delivery
from chalicelib.services.messaging import dispatch_messages
from chalicelib.services.ports.ledger import MemberChange
from tests.factories import SHOP, body_of, load_event, make_order
from tests.fakes import FixedClock, StaticRules
from tests.ses_mail import sent_mails as mails

SHIPPED = datetime(2026, 11, 21, 14, tzinfo=UTC)          # the fulfilment fixture's created_at
RULES = StaticRules(ProgramRules())
ADMIN = {"Authorization": "Bearer local-admin-key"}


class RecordedSurveys:
    """The feedback store's side the dispatcher writes: surveys sent."""

    def __init__(self):
        self.sent = []

    def survey_sent(self, program_id, survey):
        self.sent.append((program_id, survey))


def deliver(topic, payload, at, webhook_id, rules=RULES):
    envelope = {"v": 1, "source": "shopify", "program_id": "demo", "shop": SHOP, "topic": topic,
                "webhook_id": webhook_id, "body": body_of(payload).decode()}
    apply_delivery(envelope, bootstrap.get_formats(), bootstrap.get_ledger(), bootstrap.get_profiles(), rules,
                   bootstrap.get_requests(), bootstrap.get_shops(), bootstrap.get_products(), FixedClock(at))


def dispatch(at, feedback=None, rules=RULES):
    return dispatch_messages("demo", at, bootstrap.get_due_work(), bootstrap.get_outbox(), bootstrap.get_ledger(),
                             bootstrap.get_profiles(), bootstrap.get_composer(), bootstrap.get_mailer(),
                             bootstrap.get_directory().messaging("demo"), rules, None, feedback)


def member():
    [found] = bootstrap.get_ledger().find_by_email("demo", "ada@example.com")
    return found


def asked(kind="nps_survey"):
    return [(m.status, m.reason) for m in bootstrap.get_outbox().messages("demo", member().member_id)
            if m.kind == kind]


def score_tokens(mail):
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    in_text = re.findall(r"/feedback/([A-Za-z0-9_.-]+)", text)
    assert re.findall(r'href="[^"]*/feedback/([A-Za-z0-9_.-]+)"', html) == in_text
    return in_text


def ship(order_id=5928371928374650123, at=SHIPPED, webhook="f1", delivered_at=None, rules=RULES):
    shipment = {**load_event("shopify/fulfillments-create.2026-04"), "order_id": order_id,
                "id": 4903932756123456789 + order_id % 1000}
    if delivered_at is not None:
        shipment |= {"shipment_status": "delivered", "updated_at": delivered_at.isoformat()}
    deliver("fulfillments/create", shipment, at, webhook, rules)


@pytest.fixture
def shipped(aws):
    deliver("orders/paid", make_order(), SHIPPED - timedelta(days=1), "paid")
    ship()
    dispatch(SHIPPED)             # the points-earned mail goes, the cursor moves


def test_seven_days_after_delivery_the_nps_mail_has_eleven_score_links_that_verify(shipped):
    delivered = SHIPPED + timedelta(days=2)
    ship(at=delivered, webhook="f2", delivered_at=delivered)            # fulfillments/create again: delivered
    deliver("fulfillments/update", {**load_event("shopify/fulfillments-create.2026-04"), "shipment_status":
                                    "delivered", "updated_at": delivered.isoformat()}, delivered, "f3")
    recorded = RecordedSurveys()
    dispatch(delivered + timedelta(days=6, hours=23), recorded)
    assert asked() == [("deferred", "waiting for delivery, or for the fallback delay after shipment")]
    sent_at = delivered + timedelta(days=7, minutes=5)
    dispatch(sent_at, recorded)
    assert asked() == [("sent", None)]
    [mail] = mails("One quick question")
    assert "How likely are you to recommend" in mail.get_body(preferencelist=("plain",)).get_content()
    settings = bootstrap.get_directory().messaging("demo")
    [survey] = [m for m in bootstrap.get_outbox().messages("demo", member().member_id) if m.kind == "nps_survey"]
    claims = [surveys.verify(list(settings.unsubscribe_secrets), t, sent_at, timedelta(days=30))
              for t in score_tokens(mail)]
    assert [(c.program_id, c.member_id, c.survey_id, c.kind, c.score) for c in claims] == [
        ("demo", member().member_id, survey.message_id, "nps_survey", score) for score in range(11)]
    assert {c.issued_at for c in claims} == {sent_at}
    [(program, sent)] = recorded.sent
    assert (program, sent.survey_id, sent.member_id, sent.kind, sent.trigger, sent.sent_at, sent.stage, sent.tier) \
        == ("demo", survey.message_id, member().member_id, "nps_survey", "after_delivery", sent_at, "first_time",
            "member")
    assert member().last_surveyed_at == sent_at
    assert mail["List-Unsubscribe"] is not None                          # its own category: feedback
    claim = surveys.verify(list(settings.unsubscribe_secrets), score_tokens(mail)[0], sent_at, timedelta(days=30))
    assert claim.score == 0


def test_without_a_delivery_event_it_goes_at_the_review_fallback_and_a_shipment_delivered_twice_asks_once(shipped):
    ship(webhook="f1-again")                                             # the same shipment, delivered again
    deliver("fulfillments/create", load_event("shopify/fulfillments-create.2026-04"), SHIPPED, "f1-other-id")
    assert asked() == [("scheduled", None)]
    dispatch(SHIPPED + timedelta(days=13, hours=23))
    assert asked() == [("deferred", "waiting for delivery, or for the fallback delay after shipment")]
    dispatch(SHIPPED + timedelta(days=14, hours=1))
    assert asked() == [("sent", None)]
    assert len(mails("One quick question")) == 1


def test_a_second_survey_within_90_days_is_dropped_with_its_reason_and_never_retried_later_ones_go(shipped):
    first_sent = SHIPPED + timedelta(days=14, hours=1)
    dispatch(first_sent)
    second = make_order(id=5928371928374650999, name="#1043", processed_at=(SHIPPED + timedelta(days=20)).isoformat())
    deliver("orders/paid", second, SHIPPED + timedelta(days=20), "paid-2")
    ship(order_id=5928371928374650999, at=SHIPPED + timedelta(days=21), webhook="f-2")
    dispatch(SHIPPED + timedelta(days=35, hours=1))
    reason = f"survey_throttled: surveyed at {first_sent.isoformat()}, within the 90-day window"
    assert asked() == [("sent", None), ("skipped", reason)] or asked() == [("skipped", reason), ("sent", None)]
    dispatch(SHIPPED + timedelta(days=60))                               # dropped, not retried: nothing changes
    assert sorted(asked()) == [("sent", None), ("skipped", reason)]
    assert len(mails("One quick question")) == 1
    third = make_order(id=5928371928374650777, name="#1044", processed_at=(SHIPPED + timedelta(days=100)).isoformat())
    deliver("orders/paid", third, SHIPPED + timedelta(days=100), "paid-3")
    ship(order_id=5928371928374650777, at=SHIPPED + timedelta(days=101), webhook="f-3")
    dispatch(SHIPPED + timedelta(days=115, hours=1))                     # 114 days after the first: asked again
    assert sorted(asked()) == [("sent", None), ("sent", None), ("skipped", reason)]


def test_a_survey_is_held_by_the_cap_like_review_mail(shipped):
    day = SHIPPED + timedelta(days=13)                                  # two review or marketing mails that day
    bootstrap.get_profiles().record_capped_send("demo", member().member_id, (day, day + timedelta(hours=1)))
    dispatch(SHIPPED + timedelta(days=14, hours=1))
    assert asked() == [("deferred", "frequency cap")]
    reviews = [(m.status, m.reason) for m in bootstrap.get_outbox().messages("demo", member().member_id)
               if m.kind == "review_request"]
    assert reviews == [("deferred", "frequency cap")]
    dispatch(day + timedelta(days=7, hours=1))                           # the window frees: the review request first
    assert asked() == [("deferred", "frequency cap")]
    dispatch(day + timedelta(days=7, hours=3, minutes=5))                # then the survey, behind it
    assert asked() == [("sent", None)]


def test_a_member_who_left_surveys_gets_none_and_marketing_opt_in_is_not_needed(shipped):
    assert member().email_consent != "subscribed"                        # never opted in to marketing
    settings = bootstrap.get_directory().messaging("demo")
    from chalicelib.domain import tokens
    from chalicelib.services.unsubscribe import unsubscribe
    token = tokens.sign(settings.unsubscribe_secrets[0], "demo", member().member_id, "feedback", SHIPPED)
    unsubscribe(token, bootstrap.get_directory(), bootstrap.get_profiles(), SHIPPED + timedelta(days=1))
    dispatch(SHIPPED + timedelta(days=14, hours=1))
    assert asked() == [("skipped", "unsubscribed from feedback mail")]
    review = [m.status for m in bootstrap.get_outbox().messages("demo", member().member_id)
              if m.kind == "review_request"]
    assert review == ["sent"]                                            # review mail is its own category


def test_a_survey_due_at_night_waits_for_the_morning(shipped):
    night = SHIPPED.replace(hour=22) + timedelta(days=14)
    dispatch(night)
    assert asked() == [("deferred", "quiet hours")]
    dispatch(night + timedelta(hours=11, minutes=5))
    assert asked() == [("sent", None)]


def test_a_detractors_answer_never_holds_back_the_normal_review_request(shipped):
    """FTC 16 CFR 465 (2024): review requests are never conditioned on a score."""
    detractor = FeedbackFacts(last_nps=2, last_nps_at=SHIPPED + timedelta(days=1))
    bootstrap.client("dynamodb").update_item(
        TableName=bootstrap.get_settings().table_name,
        Key=item_key(keys.member_pk("demo", member().member_id), keys.PROFILE),
        UpdateExpression="SET feedback = :f", ExpressionAttributeValues=to_attributes(
            {":f": feedback_attribute(detractor)}))
    assert member().feedback == detractor
    dispatch(SHIPPED + timedelta(days=14, hours=1))
    reviews = sorted((m.kind, m.status) for m in bootstrap.get_outbox().messages("demo", member().member_id)
                     if m.kind.startswith("review"))
    assert reviews == [("review_reminder", "scheduled"), ("review_request", "sent")]
    assert len(mails("How was your order")) == 1


ON_SECOND_ORDER = StaticRules(ProgramRules(surveys=SurveyRules(nps_after_delivery_days=None, nps_after_orders=2,
                                                               nps_on_stages=("loyal",))))


def test_the_second_purchase_day_asks_once_even_when_its_order_arrives_twice(aws):
    first = SHIPPED - timedelta(days=30)
    deliver("orders/paid", make_order(processed_at=first.isoformat()), first, "paid-1", ON_SECOND_ORDER)
    second = make_order(id=5928371928374650999, processed_at=SHIPPED.isoformat())
    deliver("orders/paid", second, SHIPPED, "paid-2", ON_SECOND_ORDER)
    deliver("orders/paid", second, SHIPPED, "paid-2-again", ON_SECOND_ORDER)
    deliver("orders/updated", second, SHIPPED + timedelta(minutes=1), "updated-2", ON_SECOND_ORDER)
    [survey] = [m for m in bootstrap.get_outbox().messages("demo", member().member_id) if m.kind == "nps_survey"]
    assert survey.data == {"trigger": "after_orders", "orders": 2}
    recorded = RecordedSurveys()
    dispatch(SHIPPED + timedelta(minutes=5), recorded, ON_SECOND_ORDER)
    assert asked() == [("sent", None)]
    assert [s.trigger for _, s in recorded.sent] == ["after_orders"]


def test_entering_a_stage_the_rules_name_asks_once(aws):
    rules = StaticRules(ProgramRules(surveys=SurveyRules(nps_after_delivery_days=None, nps_on_stages=("repeat",))))
    first = SHIPPED - timedelta(days=30)
    deliver("orders/paid", make_order(processed_at=first.isoformat()), first, "paid-1", rules)
    assert asked() == []                                                 # first_time is not named
    second = make_order(id=5928371928374650999, processed_at=SHIPPED.isoformat())
    deliver("orders/paid", second, SHIPPED, "paid-2", rules)
    deliver("orders/paid", second, SHIPPED, "paid-2-again", rules)
    [survey] = [m for m in bootstrap.get_outbox().messages("demo", member().member_id) if m.kind == "nps_survey"]
    assert survey.data == {"trigger": "on_stage", "stage": "repeat"}


def test_a_csat_survey_has_five_links_for_its_member_and_survey(shipped):
    mid = member().member_id
    csat = new_message("csat_survey:ticket:77", mid, "csat_survey", SHIPPED + timedelta(days=1),
                       {"trigger": "ticket_closed", "about": "your support request"})
    bootstrap.get_ledger().commit_member("demo", mid, [], MemberChange(expected_version=None, check_version=False,
                                                                        messages=(csat,)), SHIPPED)
    sent_at = SHIPPED + timedelta(days=1, minutes=5)
    dispatch(sent_at)
    [mail] = mails("How satisfied were you with your support request?")
    secrets = list(bootstrap.get_directory().messaging("demo").unsubscribe_secrets)
    claims = [surveys.verify(secrets, t, sent_at, timedelta(days=30)) for t in score_tokens(mail)]
    assert [(c.member_id, c.survey_id, c.kind, c.score) for c in claims] == [
        (mid, csat.message_id, "csat_survey", score) for score in range(1, 6)]


def test_the_preview_renders_the_survey_kinds_and_the_unsubscribe_page_says_surveys(aws):
    from chalice.test import Client

    import app
    from chalicelib.domain import tokens
    bootstrap.override("clock", FixedClock(SHIPPED))
    with Client(app.app, stage_name="local") as client:
        nps = client.http.get("/admin/messages/preview?kind=nps_survey", headers=ADMIN).json_body
        assert len(re.findall(r"/feedback/preview-\d+", nps["text"])) == 11
        csat = client.http.get("/admin/messages/preview?kind=csat_survey", headers=ADMIN).json_body
        assert len(re.findall(r"/feedback/preview-\d+", csat["text"])) == 5
        secret = bootstrap.get_directory().messaging("demo").unsubscribe_secrets[0]
        page = client.http.get(f"/unsubscribe/{tokens.sign(secret, 'demo', 'm_1', 'feedback', SHIPPED)}")
        assert b"Unsubscribe from surveys" in page.body


def test_the_scheduled_job_records_each_survey_sent_in_the_feedback_store(shipped, monkeypatch):
    from chalice.test import Client

    import app
    recorded = RecordedSurveys()
    monkeypatch.setattr(bootstrap, "get_feedback_store", lambda: recorded, raising=False)
    monkeypatch.setattr(bootstrap, "get_rules", lambda: RULES)
    with Client(app.app, stage_name="local") as client:
        event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                                resources=[])
        event["time"] = (SHIPPED + timedelta(days=14, hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        client.lambda_.invoke("dispatch_messages", event)
    assert [(p, s.kind, s.sent_at) for p, s in recorded.sent] == [
        ("demo", "nps_survey", SHIPPED + timedelta(days=14, hours=1))]


def test_rules_with_a_surveys_section_are_stored_and_shown_and_bad_fields_named(aws):
    import json

    from chalice.test import Client

    import app
    from chalicelib.domain.program import DEFAULT_RULES
    from chalicelib.domain.rules_codec import rules_to_json
    bootstrap.override("clock", FixedClock(SHIPPED))
    body = {k: v for k, v in rules_to_json(DEFAULT_RULES).items() if k not in ("version", "effective_from")}
    headers = {**ADMIN, "Content-Type": "application/json"}
    with Client(app.app, stage_name="local") as client:
        good = {**body, "surveys": {"nps_after_orders": 3, "nps_on_stages": ["loyal"], "throttle_days": 120}}
        assert client.http.post("/admin/rules", headers=headers, body=json.dumps(good).encode()).status_code == 201
        shown = client.http.get("/admin/rules", headers=ADMIN).json_body["current"]["surveys"]
        assert shown == {"nps_after_delivery_days": 7, "nps_after_orders": 3, "nps_on_stages": ["loyal"],
                         "csat_on_ticket_closed": True, "throttle_days": 120, "token_days": 30}
        bad = {**body, "surveys": {"nps_on_stages": ["vip"], "throttle_days": 0}}
        refused = client.http.post("/admin/rules", headers=headers, body=json.dumps(bad).encode())
        assert (refused.status_code, refused.json_body["error"]["code"]) == (400, "invalid_rules")
        assert "surveys.nps_on_stages" in refused.json_body["error"]["message"]
        assert "surveys.throttle_days: an integer from 1 to 730 is required" in refused.json_body["error"]["message"]
    assert replace(DEFAULT_RULES).surveys == SurveyRules()
