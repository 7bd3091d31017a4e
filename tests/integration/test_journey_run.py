"""The journey through the app on moto: orders move stages in their own transaction; the nightly run (scheduled start,
shard tasks through the journey queue) scores RFM, judges states by cadence without a model, counts segments."""
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.domain.ledger import Identity, member_id_for
from tests.factories import SHOP, make_order
from tests.fakes import FixedClock
from tests.integration.journey_runs import JOURNEY, run_journey
from tests.integration.queues import deliver

ADMIN = {"Authorization": "Bearer local-admin-key"}
AS_OF = datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
# Customer → the days of their orders (one order a day, each the sample order's value).
ORDERS = {
    "A": ["2026-01-05", "2026-02-04"],           # gap 30 days, silent 146: 4 gaps and more → lapsed
    "B": ["2026-06-20"],                         # one order, silent 10 days (program median gap 30) → active
    "C": ["2026-04-01", "2026-05-01"],           # gap 30, silent 60: 2 gaps → at_risk
}
CUSTOMER_IDS = {"A": 7390012345678900001, "B": 7390012345678900002, "C": 7390012345678900003,
                "X": 7390012345678900004, "Y": 7390012345678900005}


def member_of(name):
    return member_id_for("demo", Identity("shopify", f"{SHOP}:{CUSTOMER_IDS[name]}"))


def order(name, day, n):
    customer = {**make_order()["customer"], "id": CUSTOMER_IDS[name], "email": f"{name.lower()}@example.com"}
    return make_order(id=5928371928374650000 + n, name=f"#{n}", order_number=n, customer=customer,
                      processed_at=f"{day}T10:15:02-05:00")


@pytest.fixture
def client(aws):
    import app
    bootstrap.override("clock", FixedClock(datetime(2026, 6, 30, 12, 0, tzinfo=UTC)))
    with Client(app.app, stage_name="local") as client:
        yield client


@pytest.fixture
def ordered(client, aws):
    n = 0
    for name, days in ORDERS.items():
        for day in days:
            n += 1
            deliver(client, aws, "orders/paid", order(name, day, n), f"wh-{n}", require=True)


def member(name):
    return bootstrap.get_ledger().get_member("demo", member_of(name))


def test_orders_move_the_stage_in_their_own_transaction(client, ordered):
    a, b = member("A"), member("B")
    assert (a.journey.stage, a.journey.state) == ("repeat", "active")
    assert a.journey.stage_since == datetime.fromisoformat("2026-02-04T10:15:02-05:00")
    assert (b.journey.stage, b.journey.state) == ("first_time", "active")
    assert sorted(a.purchase_days) == [datetime(2026, 1, 5).date(), datetime(2026, 2, 4).date()]


def test_the_nightly_run_judges_states_by_cadence_and_scores_rfm(client, aws, ordered):
    tasks = run_journey(client, aws, AS_OF)

    assert tasks == 2 * bootstrap.get_member_shards().shards + 1       # summarise and apply per shard, one fit
    a, b, c = member("A"), member("B"), member("C")
    assert (a.journey.state, b.journey.state, c.journey.state) == ("lapsed", "active", "at_risk")
    # Recency (days since): A 146, C 60, B 10; frequency and money: B 1 order, A and C 2 (n = 3, hand-scored).
    assert (a.rfm.recency, a.rfm.frequency, a.rfm.monetary, a.rfm.segment) == (1, 2, 2, "at_risk")
    assert (b.rfm.recency, b.rfm.frequency, b.rfm.monetary, b.rfm.segment) == (4, 1, 1, "new_customers")
    assert (c.rfm.recency, c.rfm.frequency, c.rfm.monetary, c.rfm.segment) == (2, 2, 2, "need_attention")
    assert a.prediction is None                                          # three customers: no model
    model = client.http.get("/admin/journey/model", headers=ADMIN)
    assert model.status_code == 200
    assert model.json_body == {"status": "insufficient_data", "as_of": AS_OF.isoformat(), "customers": 3,
                               "repeat_customers": 2, "bg_nbd": None, "gamma_gamma": None,
                               "reason": "too_few_customers"}


def test_segments_count_the_run_and_list_their_members(client, aws, ordered):
    before = client.http.get("/admin/segments", headers=ADMIN).json_body
    assert before["as_of"] is None
    assert all(s["members"] == 0 for s in before["segments"])

    run_journey(client, aws, AS_OF)

    found = client.http.get("/admin/segments", headers=ADMIN).json_body
    counts = {s["name"]: s["members"] for s in found["segments"] if s["members"]}
    assert found["as_of"] == AS_OF.isoformat()
    assert counts == {"stage:first_time": 1, "stage:repeat": 2, "state:active": 1, "state:at_risk": 1,
                      "state:lapsed": 1, "rfm:new_customers": 1, "rfm:need_attention": 1, "rfm:at_risk": 1}
    listed = client.http.get("/admin/segments/state:at_risk/members?limit=1", headers=ADMIN).json_body
    members, cursor = list(listed["members"]), listed["next"]
    while cursor:
        page = client.http.get(f"/admin/segments/state:at_risk/members?limit=1&cursor={cursor}",
                               headers=ADMIN).json_body
        members += page["members"]
        cursor = page["next"]
    assert members == [member_of("C")]


def test_an_order_after_lapsing_wins_the_member_back_and_the_next_run_keeps_it(client, aws, ordered):
    run_journey(client, aws, AS_OF)

    deliver(client, aws, "orders/paid", order("A", "2026-07-02", 99), "wh-99", require=True)
    assert (member("A").journey.state, member("A").journey.state_since) == (
        "won_back", datetime.fromisoformat("2026-07-02T10:15:02-05:00"))
    run_journey(client, aws, datetime(2026, 7, 3, 3, 15, tzinfo=UTC))
    assert member("A").journey.state == "won_back"


def test_a_run_started_twice_for_one_time_runs_once(client, aws, ordered):
    run_journey(client, aws, AS_OF)
    assert run_journey(client, aws, AS_OF) == 0
    assert aws.client("sqs").get_queue_attributes(
        QueueUrl=aws.client("sqs").get_queue_url(QueueName=JOURNEY)["QueueUrl"],
        AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_unknown_segments_and_foreign_cursors_are_refused(client, aws, ordered):
    unknown = client.http.get("/admin/segments/stage:vip/members", headers=ADMIN)
    assert unknown.status_code == 404
    assert unknown.json_body["error"]["code"] == "segment_not_found"
    forged = client.http.get("/admin/segments/stage:loyal/members?cursor=bm90LWEtY3Vyc29y", headers=ADMIN)
    assert forged.status_code == 400
    assert forged.json_body["error"]["code"] == "invalid_cursor"
    missing = client.http.get("/admin/journey/model", headers=ADMIN)
    assert missing.status_code == 404
    assert missing.json_body["error"]["code"] == "journey_not_run"


def test_the_journey_map_counts_members_per_cell_and_the_moves_between_runs(client, aws, ordered):
    run_journey(client, aws, AS_OF)                       # the first run sees everyone for the first time: no move
    deliver(client, aws, "orders/paid", order("A", "2026-07-02", 99), "wh-99", require=True)
    deliver(client, aws, "orders/paid", order("B", "2026-07-02", 98), "wh-98", require=True)
    run_journey(client, aws, datetime(2026, 7, 3, 3, 15, tzinfo=UTC))

    found = client.http.get("/admin/journey?from=2026-06-01&to=2026-07-31", headers=ADMIN)
    assert found.status_code == 200
    body = found.json_body
    assert body["as_of"] == "2026-07-03T03:15:00+00:00"
    assert body["period"] == {"from": "2026-06-01", "to": "2026-07-31", "runs": 2}
    assert body["members"] == [{"stage": "repeat", "state": "active", "members": 1},
                               {"stage": "repeat", "state": "at_risk", "members": 1},
                               {"stage": "repeat", "state": "won_back", "members": 1}]
    assert body["moves"] == [{"kind": "stage", "from": "first_time", "to": "repeat", "members": 1},
                             {"kind": "state", "from": "lapsed", "to": "won_back", "members": 1}]
    # In repeat since (whole weeks to the run): A 2026-02-04 15:15 UTC (21), C 2026-05-01 15:15 UTC (62 days: 8),
    # B 2026-07-02 (0): the median is C's.
    assert {d["stage"]: (d["members"], d["median_weeks"]) for d in body["time_in_stage"]} == {
        "prospect": (0, None), "first_time": (0, None), "repeat": (3, 8), "loyal": (0, None)}
    earlier = client.http.get("/admin/journey?from=2026-06-01&to=2026-07-01", headers=ADMIN).json_body
    assert (earlier["period"]["runs"], earlier["moves"]) == (1, [])


def test_a_journey_map_period_must_be_dates_in_order(client):
    for query in ("from=2026-07-01&to=2026-06-01", "from=yesterday", "from=2025-01-01&to=2026-06-01"):
        refused = client.http.get(f"/admin/journey?{query}", headers=ADMIN)
        assert refused.status_code == 400, query
        assert refused.json_body["error"]["code"] == "invalid_query"


def dispatch(at):
    from chalicelib.services.messaging import dispatch_messages
    bootstrap.override("clock", FixedClock(at))
    return dispatch_messages("demo", at, bootstrap.get_due_work(), bootstrap.get_outbox(), bootstrap.get_ledger(),
                             bootstrap.get_profiles(), bootstrap.get_composer(), bootstrap.get_mailer(),
                             bootstrap.get_directory().messaging("demo"), bootstrap.get_rules())


def test_the_journey_map_compares_the_members_a_stage_messaged_with_those_it_did_not(client, aws):
    bootstrap.override("clock", FixedClock(datetime(2026, 6, 10, 17, 0, tzinfo=UTC)))     # the orders arrive that day
    deliver(client, aws, "orders/paid", order("X", "2026-06-10", 1), "wh-x1", require=True)
    assert dispatch(datetime(2026, 6, 10, 18, 0, tzinfo=UTC)).done == 1    # X's points_earned, in first_time's days
    deliver(client, aws, "orders/paid", order("Y", "2026-06-10", 2), "wh-y1", require=True)      # Y's is never sent
    deliver(client, aws, "orders/paid", order("X", "2026-06-25", 3), "wh-x2", require=True)      # X: repeat
    assert member("X").touches == {("first_time", "points_earned"): datetime(2026, 6, 10, 18, 0, tzinfo=UTC)}
    assert member("X").stage_entered == {"first_time": datetime.fromisoformat("2026-06-10T10:15:02-05:00"),
                                         "repeat": datetime.fromisoformat("2026-06-25T10:15:02-05:00")}

    run_journey(client, aws, datetime(2026, 7, 9, 3, 15, tzinfo=UTC))   # their first 30 days end 2026-07-10 15:15
    day = client.http.get("/admin/journey?from=2026-07-01&to=2026-07-09", headers=ADMIN).json_body
    assert day["touchpoints"] == []
    run_journey(client, aws, datetime(2026, 7, 11, 3, 15, tzinfo=UTC))      # a night skipped: still counted once
    run_journey(client, aws, datetime(2026, 7, 12, 3, 15, tzinfo=UTC))

    body = client.http.get("/admin/journey?from=2026-07-01&to=2026-07-31", headers=ADMIN).json_body
    assert body["period"]["runs"] == 3
    assert body["touchpoints"] == [{
        "stage": "first_time", "window_days": 30, "entered": {"members": 2, "moved_forward": 1},
        "messages": [{"kind": "points_earned", "members": 1, "moved_forward": 1}],
        "no_message": {"members": 1, "moved_forward": 0}}]        # made by their orders: never prospects


def test_the_cohorts_come_from_the_nightly_run_each_customer_in_the_month_of_their_first_order(client, aws, ordered):
    assert client.http.get("/admin/analytics/cohorts", headers=ADMIN).json_body == {"as_of": None, "cohorts": []}
    run_journey(client, aws, AS_OF)
    found = client.http.get("/admin/analytics/cohorts", headers=ADMIN).json_body
    value = str(member("B").purchase_days[date(2026, 6, 20)])           # the sample order's merchandise value
    assert found == {"as_of": AS_OF.isoformat(), "cohorts": [
        {"cohort": "2026-01", "customers": 1, "retention": [1.0, 1.0, 0.0, 0.0, 0.0, 0.0],
         "revenue_per_customer": str(2 * Decimal(value))},                                       # A
        {"cohort": "2026-04", "customers": 1, "retention": [1.0, 1.0, 0.0],
         "revenue_per_customer": str(2 * Decimal(value))},                                       # C
        {"cohort": "2026-06", "customers": 1, "retention": [1.0], "revenue_per_customer": value}]}    # B
    later = client.http.get("/admin/analytics/cohorts?from=2026-03-15&to=2026-06-01", headers=ADMIN).json_body
    assert [k["cohort"] for k in later["cohorts"]] == ["2026-04", "2026-06"]
    refused = client.http.get("/admin/analytics/cohorts?from=2026-07-01&to=2026-06-01", headers=ADMIN)
    assert (refused.status_code, refused.json_body["error"]["code"]) == (400, "invalid_query")
