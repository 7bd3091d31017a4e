"""The merchant dashboard in a real headless browser (Debian's chromium through chromedriver): a merchant signs in with
a read API key through the form, and sees every chart drawn, every KPI tile equal to the API's figure, no console
error and no Content Security Policy violation, at desktop and phone widths. Screenshots are kept under
.local/screenshots/dashboard/.

The app runs in this process on moto (the `aws` fixture), behind a small HTTP server on the loopback that hands each
request to chalice.test.Client. Its data is seeded through the app: signed Shopify webhooks through the worker, an
adjustment and a redemption through the admin API, a survey answered through its page, and a nightly journey run.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.domain import surveys
from chalicelib.domain.ledger import Identity, member_id_for
from chalicelib.domain.surveys import NPS_SURVEY, SurveyClaim
from chalicelib.services.ports.feedback import SentSurvey
from tests.browser import dashboard_checks as checks
from tests.browser.bridge import served
from tests.factories import SHOP, make_order
from tests.fakes import FixedClock
from tests.integration.conftest import aws, bootstrapped  # noqa: F401 (the moto fixtures)
from tests.integration.journey_runs import run_journey
from tests.integration.queues import deliver

SHOTS = Path(__file__).resolve().parents[2] / ".local" / "screenshots" / "dashboard"
ADMIN = {"Authorization": "Bearer local-admin-key", "Content-Type": "application/json"}
NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
CUSTOMERS = {7390012345678910001: [40, 12, 3], 7390012345678910002: [25, 5], 7390012345678910003: [9],
             7390012345678910004: [70, 2], 7390012345678910005: [1]}          # customer → days before NOW of orders
EXPECTED_CHARTS = {"customers", "revenue", "points", "points_outcomes", "journey", "segments", "nps_trend"}


@pytest.fixture(autouse=True)
def _browser_installed():
    """`make deps` installs Debian's chromium and chromium-driver; without them this is a failure, not a skip."""
    assert checks.CHROMIUM.exists(), "run `make deps`: it installs chromium"
    assert checks.CHROMEDRIVER.exists(), "run `make deps`: it installs chromium-driver"


@pytest.fixture
def client(aws) -> Iterator[Client]:  # noqa: F811
    import app

    bootstrap.override("clock", FixedClock(NOW))
    with Client(app.app, stage_name="local") as client:
        yield client


@pytest.fixture
def site(client) -> Iterator[str]:
    """The app on http://127.0.0.1:<port>, through chalice.test.Client."""
    with served(client) as url:
        yield url


@pytest.fixture
def downloads() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="dashboard-downloads-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def browser(downloads) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="chromium-")
    driver = webdriver.Chrome(service=Service(str(checks.CHROMEDRIVER)),
                              options=checks.chrome_options(profile, str(downloads)))
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def seed(client, aws) -> None:  # noqa: F811
    """Orders over the last ten weeks, points redeemed, a survey answered, then a nightly run."""
    n = 0
    for customer_id, days in CUSTOMERS.items():
        for days_before in sorted(days, reverse=True):
            n += 1
            when = (NOW - timedelta(days=days_before)).strftime("%Y-%m-%dT10:15:02-05:00")
            customer = {**make_order()["customer"], "id": customer_id, "email": f"c{n}@example.com"}
            deliver(client, aws, "orders/paid", make_order(id=5928371928374660000 + n, name=f"#{n}", order_number=n,
                                                           customer=customer, processed_at=when), f"wh-dash-{n}",
                    require=True)
    member = member_id_for("demo", Identity("shopify", f"{SHOP}:7390012345678910001"))
    grant = {"points": 3000, "reason": "welcome gift", "idempotency_key": "dash-grant"}
    assert client.http.post(f"/admin/members/{member}/adjustments", headers=ADMIN,
                            body=json.dumps(grant)).status_code == 201
    reward = client.http.post("/admin/rewards", headers=ADMIN, body=json.dumps(
        {"name": "Ten off", "kind": "fixed_amount", "value": "10.00", "points_cost": 1000}))
    assert reward.status_code == 201, reward.body
    redeemed = client.http.post(f"/admin/members/{member}/redemptions", headers=ADMIN, body=json.dumps(
        {"reward_id": reward.json_body["reward_id"], "idempotency_key": "dash-redeem"}))
    assert redeemed.status_code == 201, redeemed.body
    answer_survey(client, member)
    run_journey(client, aws, NOW - timedelta(hours=10))


def answer_survey(client, member: str) -> None:
    sent_at = NOW - timedelta(days=3)
    bootstrap.get_feedback_store().survey_sent("demo", SentSurvey("msg-dash", member, NPS_SURVEY,
                                                                  surveys.AFTER_DELIVERY, sent_at, "repeat", None,
                                                                  "Bronze"))
    secret = bootstrap.get_directory().messaging("demo").unsubscribe_secrets[0]
    token = surveys.sign(secret, SurveyClaim("demo", member, "msg-dash", NPS_SURVEY, 9, sent_at))
    answered = client.http.post(f"/feedback/{token}", headers={"Content-Type": "application/x-www-form-urlencoded"},
                                body=urlencode({"score": "10", "comment": "Lovely shop"}))
    assert answered.status_code == 200


def read_key(client) -> str:
    created = client.http.post("/admin/api-keys", headers=ADMIN, body=json.dumps({"name": "dashboard",
                                                                                  "scopes": ["read"]}))
    assert created.status_code == 201
    return str(created.json_body["key"])


def test_a_merchant_signs_in_and_sees_every_chart_and_figure(client, aws, site, browser, downloads):  # noqa: F811
    seed(client, aws)
    checks.sign_in(browser, site, read_key(client))

    drawn = checks.charts_drawn(browser)
    assert set(drawn) >= EXPECTED_CHARTS, drawn
    assert all(drawn.values()), drawn
    summary = checks.page_summary(browser)
    assert checks.tile_mismatches(browser, summary) == {}
    assert set(checks.tiles(browser)) >= {"revenue", "customers_active", "points_issued", "liability", "nps"}
    assert all(text and text != "—" for name, text in checks.shown(browser).items()
               if summary.get(name) is not None), checks.shown(browser)
    assert browser.find_element("css selector", "[data-heatmap='cohorts']")

    csv = checks.download_csv(browser, "points_outcomes", downloads)
    assert csv.splitlines()[0] == "outcome,points"
    assert f"redeemed,{summary['points_redeemed']}" in csv.splitlines()

    saved = checks.screenshots(browser, SHOTS)
    assert [p.name for p in saved] == ["desktop.png", "phone.png"]
    entries = checks.browser_log(browser)
    assert checks.console_errors(entries) == []
    assert checks.csp_violations(browser, entries) == []


def test_the_period_picker_keeps_its_choice_in_the_address_and_the_phone_layout_fits(client, aws, site,  # noqa: F811
                                                                                     browser):
    from selenium.webdriver.common.by import By

    seed(client, aws)
    checks.sign_in(browser, site, read_key(client))
    browser.find_element(By.CSS_SELECTOR, "[data-period='90']").click()
    checks.wait_ready(browser)
    assert browser.current_url.endswith("/dashboard?period=90")
    assert browser.find_element(By.CSS_SELECTOR, "[data-period='90']").get_attribute("aria-pressed") == "true"
    summary = checks.page_summary(browser)
    assert summary["days"] == 90
    assert checks.tile_mismatches(browser, summary) == {}

    browser.refresh()                                                        # a reload keeps the period
    checks.wait_ready(browser)
    assert checks.page_summary(browser)["days"] == 90

    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 375, "height": 812, "deviceScaleFactor": 1, "mobile": True})
    checks.settle(browser)
    assert all(checks.charts_drawn(browser).values())
    assert checks.settled_overflow(browser) == []
    assert checks.console_errors(checks.browser_log(browser)) == []


def test_signing_out_returns_to_the_form_and_the_session_no_longer_reads(client, aws, site, browser):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    checks.sign_in(browser, site, read_key(client))
    browser.find_element(By.ID, "sign-out").click()
    WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.ID, "api_key"))
    assert browser.get_cookies() == []
    browser.get(site + "/admin/rewards")
    assert "unauthorized" in browser.find_element(By.TAG_NAME, "body").text

