"""The analytics KPIs against an independent computation: a demo population (infra/demo/generate.py) goes through the
app on moto exactly as a shop's webhooks would (signed, queued, applied by the worker), with redemptions through the
admin API and the jobs run as the weeks pass; then every KPI is computed again from the raw payloads that were sent
and the ledger export (infra/demo/kpis.py) and compared with `GET /admin/analytics/summary` and the cohorts."""
import json
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.domain.ledger import Identity, member_id_for
from infra.demo import kpis
from infra.demo.generate import Plan, generate
from tests.factories import SHOP
from tests.fakes import FixedClock
from tests.integration.journey_runs import run_journey
from tests.integration.queues import drain, post_webhook

ADMIN = {"Authorization": "Bearer local-admin-key", "Content-Type": "application/json"}
PLAN = Plan(seed=7, customers=35, months=14, end=date(2026, 3, 1))
SKIPPED = {"fulfillments/create", "fulfillments/update"}      # shipments change no KPI; the e2e demo sends them
REWARDS = {"small": {"name": "$5 off", "kind": "fixed_amount", "value": "5.00", "points_cost": 300},
           "large": {"name": "$15 off", "kind": "fixed_amount", "value": "15.00", "points_cost": 800}}

pytestmark = pytest.mark.timeout(400)


def at(moment):
    bootstrap.override("clock", FixedClock(moment))
    return moment


def admin(client, method, path, body=None):
    response = getattr(client.http, method)(path, headers=ADMIN, **({"body": json.dumps(body)} if body else {}))
    return response


def member_of(customer_id):
    return member_id_for("demo", Identity("shopify", f"{SHOP}:{customer_id}"))


@pytest.fixture(scope="module")
def population():
    return generate(PLAN)


@pytest.fixture
def loaded(aws, population):
    """The population sent through the app day by day; returns (client, webhooks sent, redemption answers)."""
    import app
    at(PLAN.start - timedelta(hours=1))
    with Client(app.app, stage_name="local") as client:
        current = admin(client, "get", "/admin/rules").json_body["current"]
        current.update(version="demo", effective_from=PLAN.start.isoformat(), expiry={"policy": "lots", "months": 6})
        assert admin(client, "post", "/admin/rules", current).status_code == 201
        rewards = {size: admin(client, "post", "/admin/rewards", spec).json_body["reward_id"]
                   for size, spec in REWARDS.items()}
        sent, redeemed = [], Counter()
        by_day = {}
        for event in population.events:
            if event.topic not in SKIPPED:
                by_day.setdefault(event.at.astimezone(UTC).date(), []).append(event)
        day = PLAN.start.date()
        while day < PLAN.end:
            for event in by_day.get(day, []):
                at(event.at)
                if event.topic == "redeem":
                    drain(client, aws)
                    answer = admin(client, "post", f"/admin/members/{member_of(event.body['customer_id'])}"
                                                   "/redemptions",
                                   {"reward_id": rewards[event.body["reward"]], "idempotency_key": event.key})
                    redeemed[answer.status_code] += 1
                else:
                    post_webhook(client, event.topic, event.body, event.key)
                    sent.append((event.topic, event.body))
            if day.weekday() == 6:
                drain(client, aws)
            day += timedelta(days=1)
        final = datetime.combine(PLAN.end - timedelta(days=1), time(23, 45), UTC)
        drain(client, aws)
        run_journey(client, aws, at(final))
        at(final + timedelta(minutes=10))
        yield client, sent, redeemed


def ledger_pages(client):
    pages, path = [], "/admin/exports/ledger.csv?limit=1000"
    while path:
        response = client.http.get(path, headers=ADMIN)
        assert response.status_code == 200, response.body
        pages.append(response.body.decode() if isinstance(response.body, bytes) else response.body)
        cursor = response.headers.get("x-next-cursor") or response.headers.get("X-Next-Cursor")
        path = f"/admin/exports/ledger.csv?limit=1000&cursor={cursor}" if cursor else None
    return pages


def members(client):
    found = []
    for customer in range(1, PLAN.customers + 1):
        from infra.demo.payloads import customer_id
        response = client.http.get(f"/admin/members/{member_of(customer_id(PLAN.seed, customer))}", headers=ADMIN)
        if response.status_code == 200:
            found.append(response.json_body)
    return found


def periods():
    last = PLAN.end - timedelta(days=1)
    middle = date(2025, 9, 1)
    return [kpis.Period(last - timedelta(days=29), last), kpis.Period(last - timedelta(days=364), last),
            kpis.Period(middle, date(2025, 9, 30)),
            kpis.Period(PLAN.start.date() - timedelta(days=60), PLAN.start.date() - timedelta(days=31))]


def test_every_kpi_equals_the_count_from_the_raw_events_and_the_ledger(loaded):
    client, sent, redeemed = loaded
    assert redeemed[201] > 0
    assert sum(redeemed.values()) > redeemed[201]
    days = kpis.purchase_days(sent)
    entries = kpis.ledger_entries(ledger_pages(client))
    assert {e.kind for e in entries} >= {"earn", "bonus", "redeem", "reverse"}
    profiles = members(client)
    for p in periods():
        answer = client.http.get(f"/admin/analytics/summary?from={p.first}&to={p.last}", headers=ADMIN)
        assert answer.status_code == 200, answer.body
        body = answer.json_body
        assert kpis.as_summary(body) == kpis.expected_summary(days, entries, p, Decimal("0.01")), p
        assert kpis.as_summary(body["previous"]) == kpis.expected_summary(days, entries, p.previous(),
                                                                          Decimal("0.01")), p
        enrolled = sum(1 for m in profiles if datetime.fromisoformat(m["created_at"]).astimezone(UTC).date() in p)
        assert body["members_enrolled"] == enrolled, p
        assert body["members_total"] == len(profiles)
        series = {row["day"]: row for row in body["series"]}
        assert len(series) == p.days
        assert sum(row["customers_new"] for row in series.values()) == body["customers_new"]
        assert sum(Decimal(row["revenue"]) for row in series.values()) == Decimal(body["revenue"]["amount"])
    today = kpis.Period(PLAN.end - timedelta(days=30), PLAN.end - timedelta(days=1))
    outstanding = kpis.points_figures(entries, today, Decimal("0.01"))["points_outstanding"]
    assert outstanding == sum(m["points_balance"] + m["pending_points"] for m in profiles)
    the_cohorts_equal_the_count_from_the_raw_orders(client, days)


def the_cohorts_equal_the_count_from_the_raw_orders(client, days):
    """(In the same test: loading the population is most of its time.)"""
    body = client.http.get("/admin/analytics/cohorts", headers=ADMIN).json_body
    expected = kpis.cohorts(days, PLAN.end - timedelta(days=1))
    assert [(c["cohort"], c["customers"], c["revenue_per_customer"]) for c in body["cohorts"]] == [
        (c["cohort"], c["customers"], c["revenue_per_customer"]) for c in expected]
    for found, wanted in zip(body["cohorts"], expected, strict=True):
        assert found["retention"] == pytest.approx(wanted["retention"], abs=1.01e-4), found["cohort"]
