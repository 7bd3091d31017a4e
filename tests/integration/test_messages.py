"""Messages: created with the ledger change, sent once by the dispatcher through SES (moto), gated, explained."""
import email
import email.policy
from datetime import UTC, datetime, timedelta

import pytest
from chalice.test import Client
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib import bootstrap
from chalicelib.domain import messages as m
from chalicelib.domain import tokens
from chalicelib.services.messaging import dispatch_messages
from chalicelib.services.ports.ledger import MemberChange
from tests.factories import body_of, load_event, make_order
from tests.fakes import FixedClock
from tests.integration.queues import deliver, ses_feedback

ADMIN = {"Authorization": "Bearer local-admin-key"}
NOON = datetime(2026, 11, 23, 12, tzinfo=UTC)      # the app's clock is pinned here: tests never read today's date


@pytest.fixture
def client(aws):
    import app
    bootstrap.override("clock", FixedClock(NOON))
    with Client(app.app, stage_name="local") as client:
        yield client


def dispatch(at):
    directory = bootstrap.get_directory()
    return dispatch_messages("demo", at, bootstrap.get_due_work(), bootstrap.get_outbox(), bootstrap.get_ledger(),
                             bootstrap.get_profiles(), bootstrap.get_composer(), bootstrap.get_mailer(),
                             directory.messaging("demo"), bootstrap.get_rules())


def sent_mail():
    return [email.message_from_bytes(raw.raw_data.encode() if isinstance(raw.raw_data, str) else raw.raw_data,
                                     policy=email.policy.default)
            for raw in ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].sent_messages if hasattr(raw, "raw_data")]


def member_id(client):
    [member] = client.http.get("/admin/members?email=ada@example.com", headers=ADMIN).json_body["members"]
    return member["member_id"]


def history(client):
    return client.http.get(f"/admin/messages?member_id={member_id(client)}", headers=ADMIN).json_body["messages"]


def test_enrolment_and_an_order_send_welcome_and_points_earned_once_each(client, aws):
    deliver(client, aws, "customers/create", load_event("shopify/customers-create.2026-04"), "c1")
    deliver(client, aws, "orders/paid", make_order(), "o1")
    deliver(client, aws, "orders/paid", make_order(), "o1-again")          # no second message for the same fact
    assert sorted((x["kind"], x["status"]) for x in history(client)) == [
        ("points_earned", "scheduled"), ("welcome", "scheduled")]
    assert dispatch(NOON + timedelta(minutes=5)).done == 2
    assert dispatch(NOON + timedelta(minutes=10)).done == 0                 # nothing is sent twice
    assert sorted((x["kind"], x["status"], bool(x["ses_message_id"])) for x in history(client)) == [
        ("points_earned", "sent", True), ("welcome", "sent", True)]
    [earned] = [mail for mail in sent_mail() if "150 points" in mail["Subject"]]
    assert earned["To"] == "ada@example.com"
    assert earned["List-Unsubscribe"] is None                               # transactional: no unsubscribe link
    text = earned.get_body(preferencelist=("plain",)).get_content()
    assert "Ada" in text
    assert "1 Demo Street" in text
    assert earned.get_body(preferencelist=("html",)) is not None


def test_account_mail_goes_at_once_even_in_quiet_hours(client, aws):
    deliver(client, aws, "orders/paid", make_order(), "o1")
    assert dispatch(NOON.replace(hour=23)).done == 1
    [message] = history(client)
    assert (message["kind"], message["status"], message["reason"]) == ("points_earned", "sent", None)


def test_an_erased_member_gets_nothing_and_the_skip_says_why(client, aws):
    deliver(client, aws, "orders/paid", make_order(), "o1")
    mid = member_id(client)
    deliver(client, aws, "customers/redact", load_event("shopify/customers-redact.2026-04"), "r1")
    dispatch(NOON)
    [message] = client.http.get(f"/admin/messages?member_id={mid}", headers=ADMIN).json_body["messages"]
    assert (message["status"], message["reason"]) == ("skipped", "no email address")
    assert sent_mail() == []


def test_a_claimed_message_is_never_claimed_again_and_an_interrupted_send_is_not_repeated(client, aws):
    deliver(client, aws, "orders/paid", make_order(), "o1")
    outbox, mid = bootstrap.get_outbox(), member_id(client)
    [message] = outbox.messages("demo", mid)
    assert outbox.claim("demo", mid, message.message_id, NOON) is not None
    assert outbox.claim("demo", mid, message.message_id, NOON) is None      # a second dispatcher loses
    assert dispatch(NOON + timedelta(minutes=5)).done == 0                   # lease not over: not even looked at
    assert outbox.messages("demo", mid)[0].status == m.SENDING
    dispatch(NOON + timedelta(minutes=11))                                  # lease over: failed, never resent
    [after] = outbox.messages("demo", mid)
    assert (after.status, after.reason) == (m.FAILED, "outcome unknown after an interrupted send; not sent again")
    assert sent_mail() == []


def test_the_preview_renders_any_kind_with_sample_data(client):
    preview = client.http.get("/admin/messages/preview?kind=review_request", headers=ADMIN).json_body
    assert preview["subject"]
    assert "Ada" in preview["text"]
    assert "unsubscribe" in preview["text"].lower()
    bad = client.http.get("/admin/messages/preview?kind=nope", headers=ADMIN)
    assert (bad.status_code, bad.json_body["error"]["code"]) == (400, "invalid_query")
    assert client.http.get("/admin/messages?member_id=m_nobody", headers=ADMIN).status_code == 404


def test_review_mail_carries_a_one_click_unsubscribe_link_that_verifies(client, aws):
    from chalicelib.messaging.composer import MessageComposer
    deliver(client, aws, "orders/paid", make_order(), "o1")
    member = bootstrap.get_ledger().get_member("demo", member_id(client))
    settings = bootstrap.get_directory().messaging("demo")
    message = m.new_message("review_request:1", member.member_id, "review_request", NOON,
                            {"order_name": "#1042", "items": [{"title": "Sweater", "url": "https://shop.example/p"}]})
    raw = MessageComposer().compose(message, member, settings, NOON)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = parsed["List-Unsubscribe"].strip("<>")
    claim = tokens.verify(list(settings.unsubscribe_secrets), link.rsplit("/", 1)[1], NOON)
    assert (claim.member_id, claim.category) == (member.member_id, "review")


def test_get_only_asks_and_post_unsubscribes_at_once_and_later_review_mail_is_skipped(client, aws):
    deliver(client, aws, "orders/paid", make_order(), "o1")
    mid = member_id(client)
    settings = bootstrap.get_directory().messaging("demo")
    token = tokens.sign(settings.unsubscribe_secrets[0], "demo", mid, "review", NOON)
    page = client.http.get(f"/unsubscribe/{token}")
    assert page.status_code == 200
    assert b"<form method='post'>" in page.body
    assert bootstrap.get_ledger().get_member("demo", mid).unsubscribed == frozenset()      # GET changed nothing
    done = client.http.post(f"/unsubscribe/{token}", body=b"List-Unsubscribe=One-Click",
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert done.status_code == 200
    assert bootstrap.get_ledger().get_member("demo", mid).unsubscribed == frozenset({"review"})
    outbox = bootstrap.get_outbox()
    review = m.new_message("review_request:x", mid, "review_request", NOON,
                           {"order_name": "#1", "items": [{"title": "Sweater", "url": "https://shop.example/p"}]})
    bootstrap.get_ledger().commit_member("demo", mid, [], MemberChange(expected_version=None, check_version=False,
                                                                        messages=(review,)), NOON)
    dispatch(NOON + timedelta(minutes=1))
    skipped = [x for x in outbox.messages("demo", mid) if x.kind == "review_request"]
    assert [(x.status, x.reason) for x in skipped] == [("skipped", "unsubscribed from review mail")]


@pytest.mark.parametrize("token", ["garbage", "a.b", "WzEsImRlbW8iXQ.AAAA"])
def test_a_link_we_did_not_sign_is_refused_and_changes_nothing(client, token):
    json_only = {"Accept": "application/json"}
    for accept in ({}, json_only):
        for response in (client.http.get(f"/unsubscribe/{token}", headers=accept),
                         client.http.post(f"/unsubscribe/{token}", body=b"List-Unsubscribe=One-Click",
                                          headers={"Content-Type": "application/x-www-form-urlencoded", **accept})):
            assert response.status_code == 400
            if accept:
                assert response.json_body["error"]["code"] == "malformed_token"
            else:
                assert b"This link is not valid" in response.body


def test_a_hard_bounce_stops_all_mail_and_a_complaint_all_but_account_mail(client, aws):
    deliver(client, aws, "orders/paid", make_order(), "o1")
    ses_feedback(client, aws, "Email Bounced", {"eventType": "Bounce", "bounce": {
        "bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": "ada@example.com"}]}})
    dispatch(NOON)
    [message] = history(client)
    assert (message["kind"], message["status"], message["reason"]) == (
        "points_earned", "skipped", "address suppressed: hard bounce")
    assert sent_mail() == []


def test_a_complaint_is_remembered_on_the_profile(client, aws):
    deliver(client, aws, "orders/paid", make_order(), "o1")
    ses_feedback(client, aws, "Email Complaint Received", {"eventType": "Complaint", "complaint": {
        "complainedRecipients": [{"emailAddress": "ada@example.com"}]}})
    member = bootstrap.get_ledger().get_member("demo", member_id(client))
    assert (member.complained, member.hard_bounced) == (True, False)
    dispatch(NOON)
    assert history(client)[0]["status"] == "sent"                # transactional mail still goes


def test_a_balance_that_reaches_the_cheapest_reward_brings_one_reward_available_mail(client, aws):
    reward = b'{"name": "$10 off", "kind": "fixed_amount", "value": "10.00", "points_cost": 100}'
    created = client.http.post("/admin/rewards", headers={**ADMIN, "Content-Type": "application/json"}, body=reward)
    assert created.status_code == 201
    assert created.json_body["reward_id"].startswith("rw_")
    deliver(client, aws, "orders/paid", make_order(), "o1")                       # 0 → 150: crosses 100
    deliver(client, aws, "orders/paid", make_order(id=5928371928374650999), "o2")  # 150 → 300: no new crossing
    kinds = sorted(x["kind"] for x in history(client))
    assert kinds == ["points_earned", "points_earned", "reward_available"]
    dispatch(NOON)
    assert any("$10 off" in (mail.get_body(preferencelist=("plain",)).get_content()) for mail in sent_mail())


@pytest.mark.parametrize(("body", "field"), [
    (b'{"name": "", "kind": "fixed_amount", "value": "10.00", "points_cost": 100}', "name"),
    (b'{"name": "x", "kind": "gift", "value": "10.00", "points_cost": 100}', "kind"),
    (b'{"name": "x", "kind": "percentage", "value": "150", "points_cost": 100}', "value"),
    (b'{"name": "x", "kind": "fixed_amount", "value": 10.5, "points_cost": 100}', "value"),
    (b'{"name": "x", "kind": "free_shipping", "value": "1.00", "points_cost": 100}', "value"),
    (b'{"name": "x", "kind": "fixed_amount", "value": "10.00", "points_cost": -5}', "points_cost"),
    (b'{"name": "x", "kind": "fixed_amount", "value": "10.00", "points_cost": 1.5}', "points_cost"),
    (b'{"name": "x", "kind": "fixed_amount", "value": "10.00", "points_cost": 5, "balance": 9}', "balance"),
    (b'[1, 2]', "JSON object"),
])
def test_invalid_rewards_are_refused_with_the_field_named_and_nothing_stored(client, body, field):
    response = client.http.post("/admin/rewards", headers={**ADMIN, "Content-Type": "application/json"}, body=body)
    assert response.status_code == 400
    assert field in response.json_body["error"]["message"]
    assert client.http.get("/admin/rewards", headers=ADMIN).json_body == {"rewards": []}


def test_a_repeated_enrolment_without_a_signup_bonus_is_applied_once_not_retried_to_the_dead_letter_queue(aws):
    from chalicelib.domain.program import ProgramRules
    from chalicelib.services.deliveries import apply_delivery
    from tests.factories import SHOP
    from tests.fakes import FixedClock, StaticRules

    def enrol(webhook_id):
        envelope = {"v": 1, "source": "shopify", "program_id": "demo", "shop": SHOP, "topic": "customers/create",
                    "webhook_id": webhook_id, "body": body_of(load_event("shopify/customers-create.2026-04")).decode()}
        return apply_delivery(envelope, bootstrap.get_formats(), bootstrap.get_ledger(), bootstrap.get_profiles(),
                              StaticRules(ProgramRules(signup_bonus=0)), bootstrap.get_requests(),
                              bootstrap.get_shops(), bootstrap.get_products(), FixedClock(NOON))

    assert enrol("c1").status == "recorded"
    assert enrol("c1-again").status == "unchanged"          # Shopify repeats deliveries: no error, no retry
    [member] = bootstrap.get_ledger().find_by_email("demo", "ada@example.com")
    assert [x.kind for x in bootstrap.get_outbox().messages("demo", member.member_id)] == ["welcome"]
