"""The `feedback_followup` job end to end on moto: an unhappy answer recorded by the feedback store becomes one HubSpot
task in the local HubSpot stand-in and one alert through SES, once per survey, whatever the retries."""
import email
import email.policy
import json
from datetime import UTC, datetime, timedelta

import pytest
import requests
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib import bootstrap
from chalicelib.adapters.crm_connectors import ConnectorClients
from chalicelib.domain.errors import MailUnavailable
from chalicelib.domain.messages import new_message
from chalicelib.services.ports.feedback import Answer, SentSurvey
from infra.local.hubspot_standin import TOKEN, start_in_thread
from infra.local.invoke import run_job, scheduled_jobs
from tests.integration.test_crm_sync import ADA, member_of, pay

T0 = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
ANSWERED = T0 + timedelta(days=7, hours=2)
ALERT_TO = "care@demo-shop.example"


@pytest.fixture
def app_module(aws):
    import app
    return app


@pytest.fixture
def standin(aws, tmp_path):
    server = start_in_thread(0, tmp_path / "hubspot")
    url = f"http://127.0.0.1:{server.server_port}"
    sm, ssm = aws.client("secretsmanager"), aws.client("ssm")
    secret = json.loads(sm.get_secret_value(SecretId="loyalty/local/programs/demo")["SecretString"])
    sm.put_secret_value(SecretId="loyalty/local/programs/demo",
                        SecretString=json.dumps({**secret, "hubspot_access_token": TOKEN}))
    name = "/loyalty/local/programs/demo/config"
    config = json.loads(ssm.get_parameter(Name=name)["Parameter"]["Value"])
    ssm.put_parameter(Name=name, Overwrite=True, Value=json.dumps(
        {**config, "hubspot_api_base": url, "feedback_alert_email": ALERT_TO}))
    bootstrap.override("connector_clients", ConnectorClients(bootstrap.get_directory().connector_settings,
                                                             sleep=lambda _: None))
    yield url
    server.shutdown()
    server.server_close()


def unhappy_answer(score=3, comment="The parcel came late and torn"):
    """Ada ordered, was asked for an NPS after delivery, and answered (the survey store files the follow-up)."""
    pay(1, T0)
    member_id = member_of(ADA)
    survey_message = new_message("nps_survey:test:1", member_id, "nps_survey", T0 + timedelta(days=7),
                                 {"trigger": "after_delivery", "order_id": "1", "order_name": "#1001"})
    bootstrap.get_outbox().schedule("demo", survey_message, T0)
    survey = SentSurvey(survey_message.message_id, member_id, "nps_survey", "after_delivery",
                        T0 + timedelta(days=7), "first_time", None, "member")
    store = bootstrap.get_feedback_store()
    store.survey_sent("demo", survey)
    store.answer("demo", survey, Answer(score, comment, -0.5, ANSWERED), follow_up=True)
    return survey


def follow_up(app_module, at):
    [job] = [j for j in scheduled_jobs(app_module.app) if j.name == "feedback_followup"]
    return run_job(app_module.app, job, at)


def tasks(url):
    return requests.get(f"{url}/_standin/tasks", timeout=5).json()["tasks"]


def alerts():
    found = []
    for raw in ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].sent_messages:
        data = getattr(raw, "raw_data", None)
        if data is not None:
            parsed = email.message_from_bytes(data.encode() if isinstance(data, str) else data,
                                              policy=email.policy.default)
            if "unhappy answer" in parsed["Subject"]:
                found.append((raw.destinations, parsed))
    return found


def test_a_detractors_answer_becomes_one_hubspot_task_and_one_merchant_alert(aws, app_module, standin):
    survey = unhappy_answer()

    assert follow_up(app_module, ANSWERED + timedelta(minutes=5)) == {"demo": {"done": 1, "failed": 0}}

    (task,) = tasks(standin)
    assert task["properties"]["hs_task_subject"] == "NPS 3 (detractor): follow up"
    assert "Comment: The parcel came late and torn" in task["properties"]["hs_task_body"]
    assert "Order: #1001 (Shopify order 1)" in task["properties"]["hs_task_body"]
    assert task["associations"] == [{"to": {"id": "501"}, "types": [
        {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 204}]}]    # found by Ada's email
    ((destinations, mail),) = alerts()
    assert ALERT_TO in str(destinations)
    assert mail["From"] == "Demo Shop Rewards <rewards@demo-shop.myshopify.com>"
    assert f"survey {survey.survey_id}" in mail.get_content()

    assert follow_up(app_module, ANSWERED + timedelta(minutes=10)) == {"demo": {"done": 0, "failed": 0}}
    assert (len(tasks(standin)), len(alerts())) == (1, 1)


class FailingOnce:
    def __init__(self, mailer):
        self.mailer, self.failed = mailer, False

    def send_raw(self, *args, **kwargs):
        if not self.failed:
            self.failed = True
            raise MailUnavailable("SES did not answer")
        return self.mailer.send_raw(*args, **kwargs)


def test_a_retry_after_the_task_was_created_creates_no_second_task(aws, app_module, standin):
    unhappy_answer()
    bootstrap.override("mailer", FailingOnce(bootstrap.get_mailer()))

    assert follow_up(app_module, ANSWERED + timedelta(minutes=5)) == {"demo": {"done": 0, "failed": 1}}
    assert (len(tasks(standin)), len(alerts())) == (1, 0)

    assert follow_up(app_module, ANSWERED + timedelta(minutes=10)) == {"demo": {"done": 1, "failed": 0}}
    assert (len(tasks(standin)), len(alerts())) == (1, 1)


def test_without_hubspot_the_alert_still_goes_and_nothing_is_called(aws, app_module):
    ssm = aws.client("ssm")
    name = "/loyalty/local/programs/demo/config"
    config = json.loads(ssm.get_parameter(Name=name)["Parameter"]["Value"])
    ssm.put_parameter(Name=name, Overwrite=True, Value=json.dumps({**config, "feedback_alert_email": ALERT_TO}))
    unhappy_answer(score=6, comment=None)

    assert follow_up(app_module, ANSWERED + timedelta(minutes=5)) == {"demo": {"done": 1, "failed": 0}}
    assert len(alerts()) == 1
