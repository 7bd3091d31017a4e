"""Campaigns through the app on moto: defined and activated through the admin API, entered at the nightly run, walked
by the scheduled `campaigns` job, sent by the dispatcher through every gate, and reported against the holdout."""
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.domain import campaigns as c
from chalicelib.domain.ledger import Identity, member_id_for
from tests.factories import SHOP, load_event, make_order
from tests.fakes import FixedClock
from tests.integration.journey_runs import run_journey
from tests.integration.queues import deliver
from tests.ses_mail import sent_mails

ADMIN = {"Authorization": "Bearer local-admin-key"}
ORDERED = date(2026, 1, 5)
AT_RISK_RUN = datetime(2026, 7, 5, 23, 0, tzinfo=UTC)      # 181 days of silence: 2 × the 90-day fallback gap
CUSTOMERS = 20
BASE_ID = 7390012345678910000


def customer(n, email_address=None):
    return {**make_order()["customer"], "id": BASE_ID + n, "email": email_address or f"c{n}@example.com",
            "first_name": f"Cust{n}"}


def member_of(n):
    return member_id_for("demo", Identity("shopify", f"{SHOP}:{BASE_ID + n}"))


def order(client, aws, n, day, number):
    deliver(client, aws, "orders/paid", make_order(id=5928371928374700000 + number, name=f"#{number}",
                                                   order_number=number, customer=customer(n),
                                                   processed_at=f"{day}T10:15:02-05:00"), f"wh-o{number}",
            require=True)


def subscribe(client, aws, n):
    consent = {**load_event("shopify/customers-email-marketing-consent-update.2026-04"), "customer_id": BASE_ID + n,
               "email_address": f"c{n}@example.com",
               "email_marketing_consent": {"state": "subscribed", "opt_in_level": "single_opt_in",
                                           "consent_updated_at": "2026-01-01T08:00:00-05:00"}}
    deliver(client, aws, "customers_email_marketing_consent/update", consent, f"wh-c{n}", require=True)


def run_job(client, name, when):
    """The scheduled job as of `when` (the clock moved there first)."""
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                            resources=[])
    event["time"] = at(when).strftime("%Y-%m-%dT%H:%M:%SZ")
    return client.lambda_.invoke(name, event).payload


def nightly(client, aws, when):
    return run_journey(client, aws, at(when))


def campaign_mail(n):
    found = [m for m in bootstrap.get_outbox().messages("demo", member_of(n)) if m.kind == "campaign_message"]
    return sorted(found, key=lambda m: m.due_at)


def at(moment):
    """The clock the app files due work with: a job run as of a time never reads what was filed after it."""
    bootstrap.override("clock", FixedClock(moment))
    return moment


@pytest.fixture
def client(aws):
    import app
    at(datetime(2026, 1, 5, 16, 0, tzinfo=UTC))
    with Client(app.app, stage_name="local") as client:
        yield client


def define(client, body):
    made = client.http.post("/admin/campaigns", headers={**ADMIN, "Content-Type": "application/json"},
                            body=json.dumps(body))
    assert made.status_code == 201, made.body
    campaign_id = made.json_body["campaign_id"]
    active = client.http.post(f"/admin/campaigns/{campaign_id}/activate", headers=ADMIN)
    assert (active.status_code, active.json_body["status"]) == (200, "active"), active.body
    return campaign_id


@pytest.fixture
def quiet_customers(client, aws):
    for n in range(CUSTOMERS):
        subscribe(client, aws, n)
        order(client, aws, n, ORDERED.isoformat(), 1000 + n)


def test_at_risk_members_get_the_win_back_mail_the_holdout_does_not_and_the_report_shows_both(client, aws,
                                                                                            quiet_customers):
    campaign_id = define(client, {"template": "win_back", "holdout_percent": 50})
    nightly(client, aws, AT_RISK_RUN)
    campaign = bootstrap.get_campaigns().get("demo", campaign_id)
    held = {n for n in range(CUSTOMERS) if c.is_held_out("demo", member_of(n), campaign)}
    assert 0 < len(held) < CUSTOMERS
    assert run_job(client, "campaigns", AT_RISK_RUN + timedelta(minutes=15))["demo"] == {"done": CUSTOMERS,
                                                                                        "failed": 0}
    run_job(client, "dispatch_messages", AT_RISK_RUN + timedelta(hours=11))           # 10:00 UTC, after quiet hours
    for n in range(CUSTOMERS):
        mail = campaign_mail(n)
        if n in held:
            assert mail == []
        else:
            assert [(m.status, m.data["campaign_id"]) for m in mail] == [("sent", campaign_id)]
    treated = sorted(set(range(CUSTOMERS)) - held)
    assert len(sent_mails("points are waiting")) == len(treated)
    at(datetime(2026, 7, 8, 16, 0, tzinfo=UTC))
    order(client, aws, treated[0], "2026-07-08", 2000)                      # a treated member comes back
    report = client.http.get(f"/admin/campaigns/{campaign_id}/report", headers=ADMIN).json_body
    assert report["entered"] == CUSTOMERS
    assert (report["treatment"]["members"], report["holdout"]["members"]) == (len(treated), len(held))
    assert (report["treatment"]["converted"], report["holdout"]["converted"]) == (1, 0)
    value = str(bootstrap.get_ledger().get_member("demo", member_of(treated[0])).purchase_days[date(2026, 7, 8)])
    assert (report["treatment"]["revenue"], report["holdout"]["revenue"]) == (value, "0.00")   # merchandise value
    assert report["lift"]["conversion_rate_difference"] == pytest.approx(1 / len(treated), abs=1e-6)
    lo, hi = report["lift"]["ci95"]
    assert lo < report["lift"]["conversion_rate_difference"] < hi
    assert report["lift"]["incremental_revenue"] == value
    nightly(client, aws, AT_RISK_RUN + timedelta(days=1))               # still at risk: no second entry
    assert client.http.get(f"/admin/campaigns/{campaign_id}/report", headers=ADMIN).json_body["entered"] == CUSTOMERS


def test_a_campaign_mail_waits_for_the_frequency_cap_and_needs_marketing_consent(client, aws):
    subscribe(client, aws, 1)
    order(client, aws, 1, ORDERED.isoformat(), 1001)
    order(client, aws, 2, ORDERED.isoformat(), 1002)                  # never subscribed
    define(client, {"template": "win_back", "holdout_percent": 0})
    sends = (AT_RISK_RUN - timedelta(days=2), AT_RISK_RUN - timedelta(days=1))
    bootstrap.get_profiles().record_capped_send("demo", member_of(1), sends)   # a review request and a survey
    nightly(client, aws, AT_RISK_RUN)
    run_job(client, "campaigns", AT_RISK_RUN + timedelta(minutes=15))
    run_job(client, "dispatch_messages", AT_RISK_RUN + timedelta(hours=11))
    [capped] = campaign_mail(1)
    assert (capped.status, capped.reason) == ("deferred", "frequency cap")
    [refused] = campaign_mail(2)
    assert (refused.status, refused.reason) == ("skipped", "marketing mail needs opt-in")


def test_a_prospect_gets_the_next_piece_after_a_click_and_the_sequence_stops_when_they_buy(client, aws):
    subscribe(client, aws, 7)
    created = {**load_event("shopify/customers-create.2026-04"), "id": BASE_ID + 7, "email": "c7@example.com",
               "first_name": "Cust7"}
    deliver(client, aws, "customers/create", created, "wh-create-7", require=True)
    campaign_id = define(client, {"template": "prospect_content", "holdout_percent": 0})
    night = datetime(2026, 7, 1, 23, 0, tzinfo=UTC)
    nightly(client, aws, night)
    run_job(client, "campaigns", night + timedelta(minutes=15))
    run_job(client, "dispatch_messages", night + timedelta(hours=11))
    assert [m.data["step"] for m in campaign_mail(7)] == ["guide-1"]
    [first] = sent_mails("How to choose what fits you")
    html = first.get_body(preferencelist=("html",)).get_content()
    [token] = re.findall(r'href="[^"]*/r/([A-Za-z0-9_.-]+)"', html)[:1]
    at(night + timedelta(hours=12))
    clicked = client.http.get(f"/r/{token}")
    assert (clicked.status_code, clicked.headers["Location"]) == (302, "https://demo-shop.myshopify.com")
    run_job(client, "campaigns", night + timedelta(hours=12, minutes=15))           # the click moved it on
    assert [m.data["step"] for m in campaign_mail(7)] == ["guide-1", "guide-2"]
    at(datetime(2026, 7, 3, 16, 0, tzinfo=UTC))
    order(client, aws, 7, "2026-07-03", 3000)                                        # they buy
    run_job(client, "campaigns", night + timedelta(days=30))                         # the timeout would have sent
    assert [m.data["step"] for m in campaign_mail(7)] == ["guide-1", "guide-2"]
    [walk] = list(bootstrap.get_campaigns().enrollments("demo", campaign_id))
    assert (walk.status, walk.due_at) == (c.STOPPED_ON_ORDER, None)


def test_a_birthday_reward_arrives_once_on_the_day(client, aws):
    subscribe(client, aws, 3)
    order(client, aws, 3, ORDERED.isoformat(), 1003)
    bootstrap.get_profiles().set_birthday("demo", Identity("shopify", f"{SHOP}:{BASE_ID + 3}"), date(1990, 7, 3),
                                          datetime(2026, 6, 1, tzinfo=UTC))
    campaign_id = define(client, {"template": "birthday", "holdout_percent": 0})
    before = bootstrap.get_ledger().get_member("demo", member_of(3)).points_balance
    for day in (1, 2, 3, 4, 5):                                           # nightly runs around the birthday
        night = datetime(2026, 7, day, 23, 0, tzinfo=UTC) - timedelta(days=1)
        nightly(client, aws, night)
        run_job(client, "campaigns", night + timedelta(minutes=15))
    [walk] = list(bootstrap.get_campaigns().enrollments("demo", campaign_id))
    assert walk.entered_at.date() == date(2026, 7, 3)
    assert bootstrap.get_ledger().get_member("demo", member_of(3)).points_balance == before + 100
    assert [m.data["step"] for m in campaign_mail(3)] == ["card"]
