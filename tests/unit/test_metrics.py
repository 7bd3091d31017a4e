"""The business figures: the EMF adapter's documents (real Powertools), what the worker and jobs derive from the
services' outcomes, the once-per-invocation flush, throttled outbound calls and parked due items."""
import json
import warnings
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from chalicelib import bootstrap
from chalicelib.adapters.emf_metrics import EmfMetrics
from chalicelib.adapters.hubspot_api import HubSpotApi
from chalicelib.adapters.shopify_admin import ShopifyAdmin
from chalicelib.domain import messages as m
from chalicelib.domain.messages import new_message
from chalicelib.jobs import schedules
from chalicelib.jobs.figures import CountingOutbox, count_delivery, reason_code
from chalicelib.observability import publishes_metrics
from chalicelib.services.jobs import JobReport
from chalicelib.services.orders import Outcome
from chalicelib.services.ports.connectors import ContactUpdate, MetafieldWrite
from chalicelib.services.ports.metrics import (
    DELIVERIES_APPLIED,
    DUE_ITEMS_PARKED,
    MESSAGES_DEFERRED,
    MESSAGES_FAILED,
    MESSAGES_SENT,
    MESSAGES_SKIPPED,
    OUTBOUND_THROTTLED,
    POINTS_AWARDED,
    POINTS_CLAWED_BACK,
)
from tests.fakes import FakeDirectory, FakeMetrics, FixedClock
from tests.platform_server import Answer

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def documents(capsys):
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]


@pytest.fixture
def metrics():
    fake = FakeMetrics()
    bootstrap.override("metrics", fake)
    yield fake
    bootstrap.reset()


# The EMF adapter, with the real Powertools Metrics class


def test_a_flush_prints_one_emf_document_per_dimension_set_with_each_metrics_total(capsys):
    emf = EmfMetrics("prod")
    emf.count("WebhooksAccepted", source="shopify")
    emf.count("WebhooksAccepted", 2, source="shopify")
    emf.count("WebhooksRefused", source="shopify", reason="invalid_signature")
    emf.count("DueItemsParked", 3)

    emf.flush()

    by_dimensions = {tuple(sorted(doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0])): doc
                     for doc in documents(capsys)}
    assert set(by_dimensions) == {("service", "source", "stage"), ("reason", "service", "source", "stage"),
                                  ("service", "stage")}
    accepted = by_dimensions[("service", "source", "stage")]
    [directive] = accepted["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Loyalty"
    assert directive["Metrics"] == [{"Name": "WebhooksAccepted", "Unit": "Count"}]
    assert (accepted["WebhooksAccepted"], accepted["stage"], accepted["service"], accepted["source"]) == (
        [3.0], "prod", "loyalty", "shopify")
    refused = by_dimensions[("reason", "service", "source", "stage")]
    assert (refused["WebhooksRefused"], refused["reason"]) == ([1.0], "invalid_signature")
    assert by_dimensions[("service", "stage")]["DueItemsParked"] == [3.0]


def test_a_flush_with_nothing_counted_prints_nothing_and_raises_nothing(capsys):
    emf = EmfMetrics("prod")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        emf.flush()
        emf.count("MessagesSent", 0, kind="welcome")
        emf.flush()
    assert capsys.readouterr().out == ""


def test_what_was_flushed_is_not_published_again(capsys):
    emf = EmfMetrics("prod")
    emf.count("Redemptions")
    emf.flush()
    emf.flush()
    emf.count("Redemptions")
    emf.flush()
    assert [doc["Redemptions"] for doc in documents(capsys)] == [[1.0], [1.0]]


def test_a_count_never_goes_down():
    with pytest.raises(ValueError, match="counts up only"):
        EmfMetrics("prod").count("PointsAwarded", -5)


# Once per invocation


def test_the_middleware_publishes_once_per_invocation_even_when_the_handler_fails():
    fake = FakeMetrics()
    middleware = publishes_metrics(lambda: fake)

    def accepted(event):
        fake.count("WebhooksAccepted")
        return "answer"

    def failing(event):
        fake.count("DeliveriesRefused")
        raise RuntimeError("boom")

    assert middleware("event", accepted) == "answer"
    with pytest.raises(RuntimeError):
        middleware("event", failing)
    assert [list(published) for published in fake.published] == [
        [("WebhooksAccepted", frozenset())], [("DeliveriesRefused", frozenset())]]


def test_a_failure_to_publish_never_changes_the_answer(caplog):
    def broken():
        raise OSError("stdout closed")

    assert publishes_metrics(broken)("event", lambda event: "answer") == "answer"
    assert [r.getMessage() for r in caplog.records] == ["metrics_not_published"]



class _NoPrograms:
    def programs(self) -> list[str]:
        return []


SCHEDULED = {"version": "0", "id": "e1", "detail-type": "Scheduled Event", "source": "aws.events",
             "account": "123456789012", "time": "2026-11-23T12:00:00Z", "region": "eu-west-1", "resources": [],
             "detail": {}}


def test_a_job_entered_as_lambda_enters_it_publishes_what_it_counted_once(metrics):
    """On AWS a job's function is `chalicelib.jobs.schedules.<job>`: app.py (and its middleware) is never loaded."""
    import app
    from infra.local.invoke import handler_for, scheduled_jobs

    bootstrap.override("directory", _NoPrograms())
    context = SimpleNamespace(function_name="orders_due", memory_limit_in_mb=256, aws_request_id="r1",
                              invoked_function_arn="arn:aws:lambda:eu-west-1:123456789012:function:orders_due")
    schedules.orders_due(SCHEDULED, context)
    assert len(metrics.published) == 1
    for job in scheduled_jobs(app.app):                                  # through the app, as the local stack does
        handler_for(app.app, job.name, job.handler_string)(SCHEDULED, context)
    assert len(metrics.published) == 1 + len(scheduled_jobs(app.app))    # once each, never twice


def test_every_worker_and_job_handler_publishes_its_own_metrics():
    import app

    entered_alone = [source.name for source in app.app.event_sources
                     if not hasattr(app.app.handler_map[source.name].func, "__wrapped__")]
    assert entered_alone == []


# What the worker counts from a delivery's outcome


@pytest.mark.parametrize(("outcome", "awarded", "clawed_back"), [
    (Outcome("recorded", points=150), 150, 0),
    (Outcome("recorded", pending=150), 150, 0),                  # pending points count when awarded …
    (Outcome("recorded", points=150, pending=-150), 0, 0),       # … so their release moves nothing
    (Outcome("recorded", points=-54), 0, 54),
    (Outcome("unchanged", "already_applied"), 0, 0),
])
def test_a_delivery_counts_as_applied_with_the_points_it_awarded_or_clawed_back(outcome, awarded, clawed_back):
    fake = FakeMetrics()
    count_delivery(fake, {"source": "shopify", "topic": "orders/paid"}, outcome)
    assert fake.total(DELIVERIES_APPLIED, source="shopify", topic="orders/paid", status=outcome.status) == 1
    assert (fake.total(POINTS_AWARDED, source="shopify"), fake.total(POINTS_CLAWED_BACK, source="shopify")) == (
        awarded, clawed_back)


def test_a_topic_the_engine_does_not_act_on_and_an_unknown_source_count_as_other():
    fake = FakeMetrics()
    count_delivery(fake, {"source": "shopify", "topic": "carts/anything-a-sender-likes"},
                   Outcome("skipped", "topic_not_handled"))
    count_delivery(fake, {"source": "elsewhere", "topic": "x"}, Outcome("skipped", "topic_not_handled"))
    assert fake.total(DELIVERIES_APPLIED, source="shopify", topic="other") == 1
    assert fake.total(DELIVERIES_APPLIED, source="other", topic="other") == 1


# What the dispatcher's messages count as


class RecordingOutbox:
    def __init__(self):
        self.finished = []

    def finish(self, program_id, message, now, status, reason=None, ses_message_id=None, retry_at=None):
        self.finished.append((status, reason, ses_message_id, retry_at))


def test_each_finished_message_is_counted_by_outcome_and_reason_and_still_recorded():
    outbox, fake = RecordingOutbox(), FakeMetrics()
    counting = CountingOutbox(outbox, fake)
    welcome = new_message("welcome:1", "m_1", "welcome", NOW, {})

    counting.finish("demo", welcome, NOW, m.SENT, ses_message_id="ses-1")
    counting.finish("demo", welcome, NOW, m.SKIPPED, "address suppressed: hard bounce")
    counting.finish("demo", welcome, NOW, m.DEFERRED, "quiet hours", retry_at=NOW)
    counting.finish("demo", welcome, NOW, m.FAILED, "SES refused the message: MessageRejected for ada@example.com")

    assert outbox.finished[0] == (m.SENT, None, "ses-1", None)
    assert outbox.finished[2] == (m.DEFERRED, "quiet hours", None, NOW)
    assert fake.counted == {
        (MESSAGES_SENT, frozenset({("kind", "welcome")})): 1,
        (MESSAGES_SKIPPED, frozenset({("reason", "address_suppressed_hard_bounce")})): 1,
        (MESSAGES_DEFERRED, frozenset({("reason", "quiet_hours")})): 1,
        (MESSAGES_FAILED, frozenset({("kind", "welcome")})): 1,              # a failure's message is no dimension
    }


@pytest.mark.parametrize(("reason", "code"), [
    ("stale: held by the frequency cap past its useful time", "stale_held_by_the_frequency_cap_past_its_useful_time"),
    ("unsubscribed from review mail", "unsubscribed_from_review_mail"),
    (None, "none"),
    ("x" * 100, "x" * 64),
])
def test_a_reason_becomes_a_short_code(reason, code):
    assert reason_code(reason) == code


# Parked due items, through a scheduled function


def test_items_a_job_parks_are_counted_across_programs(metrics, monkeypatch):
    bootstrap.override("directory", FakeDirectory(secrets_by_program={"demo": [b"s"], "other": [b"s"]}))
    reports = {"demo": JobReport(done=1, parked=["a", "b"]), "other": JobReport(parked=["c"])}
    event = SimpleNamespace(time="2026-11-23T12:00:00Z")

    schedules._for_each_program("erase_shops", event, lambda program_id, now: reports[program_id])

    assert metrics.total(DUE_ITEMS_PARKED) == 3


# Outbound calls a platform throttled


def test_a_shopify_429_and_a_throttled_graphql_answer_are_counted(platform_server):
    fake = FakeMetrics()
    graphql = "/admin/api/2025-10/graphql.json"
    platform_server.script("POST", graphql, Answer(429, {"errors": "Too many requests"}),
                           Answer(200, {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]}),
                           Answer(200, {"data": {"metafieldsSet": {"userErrors": []}}}))
    admin = ShopifyAdmin(platform_server.url, "shpat_test", sleep=lambda _: None, timeout=(1, 1), metrics=fake)

    assert admin.set_metafields([MetafieldWrite("7001", "points_balance", "number", "1")]) == []
    assert fake.total(OUTBOUND_THROTTLED, platform="shopify") == 2


def test_a_hubspot_429_is_counted(platform_server):
    fake = FakeMetrics()
    platform_server.script("POST", "/crm/v3/objects/contacts/batch/update",
                           Answer(429, {"policyName": "TEN_SECONDLY_ROLLING"}, {"Retry-After": "0"}),
                           Answer(200, {"results": []}))
    api = HubSpotApi(platform_server.url, "pat-test", sleep=lambda _: None, timeout=(1, 1),
                     clock=FixedClock(NOW), metrics=fake)

    api.update_contacts([ContactUpdate(ref="m0", properties={"loyalty_tier": ""}, contact_id="1000")])
    assert fake.total(OUTBOUND_THROTTLED, platform="hubspot") == 1
