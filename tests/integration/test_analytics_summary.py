"""The program's figures through the app on moto: orders, a late earlier order, a redelivery and a refund move the
day counters in the ledger's own transactions, and the summary reads them for any period."""
from datetime import UTC, datetime

import pytest
from chalice.test import Client

from chalicelib import bootstrap
from tests.fakes import FixedClock
from tests.integration.journey_runs import run_journey
from tests.integration.queues import deliver
from tests.integration.test_journey_run import ADMIN, member_of, order

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def client(aws):
    import app
    bootstrap.override("clock", FixedClock(NOW))
    with Client(app.app, stage_name="local") as client:
        yield client


def summary(client, **period):
    query = "&".join(f"{k}={v}" for k, v in period.items())
    response = client.http.get(f"/admin/analytics/summary?{query}", headers=ADMIN)
    assert response.status_code == 200, response.body
    return response.json_body


def test_orders_in_any_order_and_redeliveries_count_once(client, aws):
    deliver(client, aws, "orders/paid", order("A", "2026-06-10", 2), "wh-2", require=True)
    deliver(client, aws, "orders/paid", order("A", "2026-05-01", 1), "wh-1", require=True)   # earlier, arrives late
    deliver(client, aws, "orders/paid", order("A", "2026-05-01", 1), "wh-1b")                # redelivered
    deliver(client, aws, "orders/paid", order("B", "2026-06-20", 3), "wh-3", require=True)

    june = summary(client, **{"from": "2026-06-01", "to": "2026-06-30"})
    assert (june["customers_active"], june["customers_new"], june["customers_returning"]) == (2, 1, 1)
    assert june["repeat_purchase_rate"] == 0.0                  # B's first order is in June, with no second
    # the 30 days before are 2 to 31 May: A's first order on 1 May is not in them, so nobody to retain
    assert june["previous"]["customers_active"] == 0
    assert june["retention_rate"] is None
    may = summary(client, **{"from": "2026-05-01", "to": "2026-05-31"})
    assert may["customers_new"] == 1
    assert may["repeat_purchase_rate"] == 0.0     # A's second order is in June
    july = summary(client, **{"from": "2026-05-31", "to": "2026-06-29"})     # the 30 days before: 1-30 May
    assert july["previous"]["customers_active"] == 1
    assert july["retention_rate"] == 1.0     # A: 1 May, then 10 June
    may_june = summary(client, **{"from": "2026-05-01", "to": "2026-06-30"})
    assert may_june["repeat_purchase_rate"] == 0.5             # A: 1 May then 10 June; B: once
    points = june["points_issued"] + june["previous"]["points_issued"]
    members = [bootstrap.get_ledger().get_member("demo", member_of(name)) for name in "AB"]
    assert points > 0
    assert may_june["points_outstanding"] == sum(m.points_balance + m.pending_points for m in members)
    assert june["as_of"] == NOW.isoformat()
    assert june["freshness"]["points_issued"] == "live"
    assert june["liability"]["currency"] == june["currency"]
    assert [d["day"] for d in june["series"]][:2] == ["2026-06-01", "2026-06-02"]
    assert len(june["series"]) == 30
    assert sum(d["customers_new"] for d in june["series"]) == 1


def test_members_tiers_and_clv_come_from_the_nightly_run(client, aws):
    for n, day in enumerate(["2026-06-01", "2026-06-05", "2026-06-10", "2026-06-15"], start=1):   # 4 × the sample
        deliver(client, aws, "orders/paid", order("A", day, n), f"wh-{n}", require=True)
    before = summary(client)
    assert before["members_enrolled"] is None
    assert before["clv_historic"] is None
    assert before["tier_upgrades"] == 1          # past 500 of spend: silver, live in the order transaction
    run_journey(client, aws, NOW)
    found = summary(client)
    value = bootstrap.get_ledger().get_member("demo", member_of("A")).purchase_days
    assert found["clv_historic"] == {"amount": str(sum(value.values())), "currency": found["currency"]}
    assert found["clv_predicted"] is None                    # one customer: no model
    assert found["members_total"] == 1
    assert found["members_enrolled"] == 1
    assert [t["members"] for t in found["tiers"]] == [0, 1, 0]           # member, silver, gold
    assert len(found["tiers"]) == len(bootstrap.get_rules().rules_at("demo", NOW).tiers)
    assert found["nightly_as_of"] == NOW.isoformat()


def test_a_period_that_is_not_one_is_a_400(client):
    for query in ("from=2026-06-30&to=2026-06-01", "from=2024-01-01&to=2026-06-01", "to=June",
                  "from=0001-01-01&to=0001-01-30", "to=0001-01-05", "from=9999-12-01&to=9999-12-31"):
        response = client.http.get(f"/admin/analytics/summary?{query}", headers=ADMIN)
        assert response.status_code == 400
        assert response.json_body["error"]["code"] == "invalid_query"
