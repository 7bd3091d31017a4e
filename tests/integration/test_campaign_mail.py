"""Campaign mail end to end on moto: a campaign_message in the outbox goes through the gates and the dispatcher with
the member's merge values, sanitised content, tracked links and a one-click unsubscribe; its links redirect through
GET /r/{token} and land in the member's timeline, as do SES's delivery and open events."""
import email
import email.policy
import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from chalice.test import Client
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib import bootstrap
from chalicelib.domain import links
from chalicelib.domain.messages import new_message
from tests.factories import load_event, make_order
from tests.fakes import FixedClock
from tests.integration.queues import deliver, ses_feedback

ADMIN = {"Authorization": "Bearer local-admin-key"}
NOON = datetime(2026, 11, 23, 12, tzinfo=UTC)
SENT = NOON + timedelta(minutes=5)
TRACKED = re.compile(r"http://127\.0\.0\.1:8000/r/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)")
BLOCKS = [
    {"markdown": "Hi {{ first_name }},\n\nYou have **{{ points }} points** and {{ pints }}nothing unknown.\n\n"
                 "[New arrivals](https://demo-shop.example.com/collections/new?utm_source=loyalty)"},
    {"html": '<p onclick="steal()">Read <a href="https://blog.brand.example.org/story">our story</a>'
             '<script>alert(1)</script> or <a href="https://evil.example/">this</a>.</p>'},
]


class Progress:
    def __init__(self):
        self.clicks = []

    def clicked(self, program_id, enrollment, at):
        self.clicks.append((program_id, enrollment, at))


@pytest.fixture
def client(aws):
    ssm, name = aws.client("ssm"), "/loyalty/local/programs/demo/config"
    config = json.loads(ssm.get_parameter(Name=name)["Parameter"]["Value"])
    ssm.put_parameter(Name=name, Overwrite=True, Value=json.dumps(
        {**config, "store_url": "https://demo-shop.example.com", "link_domains": ["brand.example.org"]}))
    bootstrap.override("clock", FixedClock(NOON))
    bootstrap.override("campaign_progress", Progress())
    import app
    with Client(app.app, stage_name="local") as client:
        yield client


@pytest.fixture
def member_id(client, aws):
    consent = {**load_event("shopify/customers-email-marketing-consent-update.2026-04"),
               "email_marketing_consent": {"state": "subscribed", "opt_in_level": "single_opt_in",
                                           "consent_updated_at": NOON.isoformat()}}
    deliver(client, aws, "customers_email_marketing_consent/update", consent, "c1")
    deliver(client, aws, "orders/paid", make_order(), "o1")
    [member] = client.http.get("/admin/members?email=ada@example.com", headers=ADMIN).json_body["members"]
    return member["member_id"]


def campaign_message(member_id, blocks=BLOCKS):
    return new_message(f"campaign:cmp_1:{member_id}:s1", member_id, "campaign_message", NOON, {
        "campaign_id": "cmp_1", "campaign_name": "Welcome", "enrollment": f"cmp_1/{member_id}/1",
        "step": "s1", "subject": "{{ first_name }}, your {{ points }} points", "preheader": None, "blocks": blocks,
        "cta": {"label": "Shop now", "url": "https://demo-shop.example.com/"}})


def dispatch(client, at):
    scheduled = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                                resources=[])
    scheduled["time"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return client.lambda_.invoke("dispatch_messages", scheduled).payload


def sent_mail():
    return [email.message_from_bytes(raw.raw_data.encode() if isinstance(raw.raw_data, str) else raw.raw_data,
                                     policy=email.policy.default)
            for raw in ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].sent_messages if hasattr(raw, "raw_data")]


def timeline_events(client, member_id):
    body = client.http.get(f"/admin/members/{member_id}/timeline", headers=ADMIN).json_body
    return [item["event"] for item in body["events"] if item["type"] == "event"]


def sent_campaign(client, member_id):
    message = campaign_message(member_id)
    assert bootstrap.get_outbox().schedule("demo", message, NOON)
    assert dispatch(client, SENT)["demo"]["failed"] == 0
    [mail] = [m for m in sent_mail() if m["Subject"] == "Ada, your 150 points"]
    return message, mail


def test_a_campaign_mail_goes_with_merge_values_clean_content_tracked_links_and_one_click_unsubscribe(
        client, member_id):
    _, mail = sent_campaign(client, member_id)
    html = mail.get_body(preferencelist=("html",)).get_content()
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert mail["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/unsubscribe/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "<strong>150 points</strong>" in html
    assert "Hi Ada," in text
    for gone in ("<script", "onclick", "alert(", "evil.example", "{{", "pints"):
        assert gone not in html + text
    targets = [links.verify([b"local-unsubscribe-secret"], token, SENT).url for token in TRACKED.findall(html)]
    assert targets == ["https://demo-shop.example.com/collections/new?utm_source=loyalty",
                       "https://blog.brand.example.org/story", "https://demo-shop.example.com/"]
    assert set(TRACKED.findall(text)) == set(TRACKED.findall(html))
    [stored] = [m for m in bootstrap.get_outbox().messages("demo", member_id) if m.kind == "campaign_message"]
    assert (stored.status, stored.sent_at) == ("sent", SENT)


def test_a_click_redirects_to_its_target_and_lands_in_the_timeline_a_scanners_told_apart(client, member_id):
    _, mail = sent_campaign(client, member_id)
    first, blog, _ = TRACKED.findall(mail.get_body(preferencelist=("html",)).get_content())
    bootstrap.get_clock().current = SENT + timedelta(seconds=3)            # a mail provider's scanner
    scanned = client.http.get(f"/r/{blog}")
    bootstrap.get_clock().current = SENT + timedelta(hours=2)              # the member, later
    clicked = client.http.get(f"/r/{first}")
    again = client.http.get(f"/r/{first}")
    assert (scanned.status_code, clicked.status_code, again.status_code) == (302, 302, 302)
    assert clicked.headers["Location"] == "https://demo-shop.example.com/collections/new?utm_source=loyalty"
    assert clicked.headers["Cache-Control"] == "no-store"
    assert clicked.headers["Referrer-Policy"] == "no-referrer"
    clicks = sorted((e["url_host"], e["url_path"], e["likely_scanner"], e["clicks"], e["campaign_id"])
                    for e in timeline_events(client, member_id) if e["kind"] == "link_clicked")
    assert clicks == [("blog.brand.example.org", "/story", True, 1, "cmp_1"),
                      ("demo-shop.example.com", "/collections/new", False, 2, "cmp_1")]
    progress = bootstrap.get_campaign_progress()
    assert progress.clicks == [("demo", f"cmp_1/{member_id}/1", SENT + timedelta(hours=2))] * 2
    assert mail_figures(client)[0] == {"kind": "campaign_message", "sent": 1, "delivered": 0, "opened": 0,
                                       "clicked": 2}                   # the person's two clicks; not the scanner's


def test_a_forged_or_foreign_link_and_a_link_to_a_site_the_program_left_redirect_nowhere(client, member_id):
    message, mail = sent_campaign(client, member_id)
    [token, *_] = TRACKED.findall(mail.get_body(preferencelist=("html",)).get_content())
    retired = links.sign(b"local-unsubscribe-secret", links.ClickClaim(
        "demo", member_id, message.message_id, "", "https://old-blog.example.org/", SENT))
    foreign = links.sign(b"another-secret", links.ClickClaim(
        "demo", member_id, message.message_id, "", "https://demo-shop.example.com/", SENT))
    for bad, status in ((token[:-3] + "abc", 400), (foreign, 400), ("garbage", 400), (retired, 410),
                        (quote("https://evil.example/", safe=""), 400)):
        page = client.http.get(f"/r/{bad}")
        assert page.status_code == status, bad
        assert "Location" not in page.headers
        assert page.headers["Content-Type"].startswith("text/html")
    as_json = client.http.get(f"/r/{retired}", headers={"Accept": "application/json"})
    assert (as_json.status_code, as_json.json_body["error"]["code"]) == (410, "link_retired")
    assert [e for e in timeline_events(client, member_id) if e["kind"] == "link_clicked"] == []


def test_ses_delivery_and_open_events_are_kept_on_the_message_and_in_the_timeline(client, aws, member_id):
    message, _ = sent_campaign(client, member_id)
    mail = {"messageId": "ses-1", "source": "rewards@demo-shop.myshopify.com", "tags": {
        "loyalty-program": ["demo"], "loyalty-kind": ["campaign_message"], "loyalty-member": [member_id],
        "loyalty-message": [message.message_id]}}
    ses_feedback(client, aws, "Email Delivered", {"eventType": "Delivery", "mail": mail, "delivery": {
        "timestamp": "2026-11-23T12:05:02Z", "recipients": ["ada@example.com"]}})
    for minute in (30, 45):                                                # a second open changes nothing
        ses_feedback(client, aws, "Email Opened", {"eventType": "Open", "mail": mail, "open": {
            "timestamp": f"2026-11-23T12:{minute}:00Z", "userAgent": "Mozilla/5.0", "ipAddress": "192.0.2.1"}})
    listed = client.http.get(f"/admin/messages?member_id={member_id}", headers=ADMIN).json_body["messages"]
    [shown] = [m for m in listed if m["kind"] == "campaign_message"]
    assert (shown["sent_at"], shown["delivered_at"], shown["opened_at"]) == (
        SENT.isoformat(), "2026-11-23T12:05:02+00:00", "2026-11-23T12:30:00+00:00")
    kinds = [(e["kind"], e["at"]) for e in timeline_events(client, member_id) if e["kind"].startswith("mail_")]
    assert kinds == [("mail_opened", "2026-11-23T12:30:00+00:00"), ("mail_delivered", "2026-11-23T12:05:02+00:00")]
    member = bootstrap.get_ledger().get_member("demo", member_id)
    assert (member.hard_bounced, member.complained) == (False, False)     # engagement is no feedback
    assert mail_figures(client) == [
        {"kind": "campaign_message", "sent": 1, "delivered": 1, "opened": 1, "clicked": 0},   # the first open only
        {"kind": "points_earned", "sent": 1, "delivered": 0, "opened": 0, "clicked": 0}]      # the order's own mail


def mail_figures(client):
    """The program's mail figures for the week of the send (GET /admin/analytics/summary)."""
    day = SENT.date()
    body = client.http.get(f"/admin/analytics/summary?from={day - timedelta(days=3)}&to={day + timedelta(days=3)}",
                           headers=ADMIN).json_body
    return body["email"]
