"""The survey page in a real headless browser (Debian's chromium, driven by chromedriver through Selenium): the page
a link opens shows the question with the link's score chosen and works without JavaScript; choosing another score,
writing a comment and sending the form records that answer and shows the thank-you page. Screenshots of both pages
are kept under .local/screenshots/.

The app runs in this process on moto (the `aws` fixture), behind a small HTTP server on the loopback that hands each
request to chalice.test.Client, so the browser talks HTTP to the same app the other tests call directly.
"""
from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.domain import surveys
from chalicelib.domain.ledger import Identity, member_id_for
from chalicelib.domain.surveys import NPS_SURVEY, SurveyClaim
from chalicelib.services.ports.feedback import SentSurvey
from tests.browser.bridge import served
from tests.integration.conftest import aws, bootstrapped  # noqa: F401 (the moto fixtures)

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
SHOTS = Path(__file__).resolve().parents[2] / ".local" / "screenshots"
ADA = Identity("shopify", "demo-shop.myshopify.com:7390012345678901234")
MID = member_id_for("demo", ADA)



@pytest.fixture(autouse=True)
def _browser_installed():
    """`make deps` installs Debian's chromium and chromium-driver; without them this is a failure, not a skip."""
    assert CHROMIUM.exists(), "run `make deps`: it installs chromium"
    assert CHROMEDRIVER.exists(), "run `make deps`: it installs chromium-driver"


@pytest.fixture
def site(aws) -> Iterator[str]:  # noqa: F811
    """The app on http://127.0.0.1:<port>, through chalice.test.Client."""
    import app
    with Client(app.app, stage_name="local") as client, served(client) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                 "--window-size=800,900"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def survey_link() -> str:
    sent_at = bootstrap.get_clock().now() - timedelta(hours=1)
    bootstrap.get_profiles().set_contact("demo", ADA, "ada@example.com", "Ada", sent_at)
    bootstrap.get_feedback_store().survey_sent("demo", SentSurvey("msg-browser", MID, NPS_SURVEY,
                                                                  surveys.AFTER_DELIVERY, sent_at, "repeat", None,
                                                                  "Bronze"))
    secret = bootstrap.get_directory().messaging("demo").unsubscribe_secrets[0]
    token = surveys.sign(secret, SurveyClaim("demo", MID, "msg-browser", NPS_SURVEY, 9, sent_at))
    return f"/feedback/{token}", sent_at


def screenshot(driver, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    assert driver.save_screenshot(str(path))
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 1000
    return path


def test_a_visitor_opens_the_link_changes_the_score_adds_a_comment_and_sends_it(site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    path, sent_at = survey_link()
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})      # works without JS
    browser.get(site + path)
    assert "How likely are you to recommend" in browser.title
    chosen = [e.get_attribute("value") for e in browser.find_elements(By.CSS_SELECTOR, "input[name=score]")
              if e.is_selected()]
    assert chosen == ["9"]
    screenshot(browser, "feedback-question.png")
    store = bootstrap.get_feedback_store()
    assert store.survey("demo", "msg-browser", sent_at).answer is None                   # opening records nothing

    browser.find_element(By.CSS_SELECTOR, "input[name=score][value='6']").click()
    browser.find_element(By.ID, "comment").send_keys("Nice shop, but the parcel came late")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    # The click only starts the form's navigation: wait for the answer page (a failure names the title it saw).
    WebDriverWait(browser, 30).until(lambda driver: driver.title == "Thank you for your answer")
    assert "We have your answer: 6" in browser.find_element(By.TAG_NAME, "body").text
    screenshot(browser, "feedback-thank-you.png")
    answer = store.survey("demo", "msg-browser", sent_at).answer
    assert (answer.score, answer.comment) == (6, "Nice shop, but the parcel came late")
    assert answer.sentiment is not None
