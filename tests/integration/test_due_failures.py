"""Scheduled jobs survive bad work (moto): a due item failing run after run is parked, alarmed on and listed;
one program's failure leaves the others alone; a job run as of a later time does not lose the work written after."""
import json
from datetime import UTC, datetime, timedelta

import pytest
from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.adapters.shopify_events import load_json
from chalicelib.adapters.shopify_topics import parse_event
from chalicelib.domain.accounting import Policy
from chalicelib.domain.due import SHOP_ERASURE_TASK
from chalicelib.domain.orders import Delivery
from chalicelib.domain.program import ProgramRules
from chalicelib.services import jobs
from chalicelib.services.orders import apply_order_update
from chalicelib.services.ports.due import DueItem
from tests.factories import SHOP, body_of, make_order
from tests.fakes import FixedClock, StaticRules

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BROKEN, GOOD = "broken-shop.myshopify.com", "good-shop.myshopify.com"


class BreakingShops:
    """The real shop data, except that erasing BROKEN raises (with an email address in the message)."""

    def __init__(self, real):
        self.real = real

    def schedule_erasure(self, program_id, shop, now):
        self.real.schedule_erasure(program_id, shop, now)

    def erase_slice(self, program_id, shop, limit):
        if shop == BROKEN:
            raise RuntimeError("cannot erase the data of ada@example.com " + "x" * 400)
        return self.real.erase_slice(program_id, shop, limit)


class ProgramFailing:
    """The real due work, except that reading it fails for one program."""

    def __init__(self, real, program_id):
        self.real, self.program_id = real, program_id

    def __getattr__(self, name):
        return getattr(self.real, name)

    def due(self, program_id, task, until):
        if program_id == self.program_id:
            raise RuntimeError("the table of this program is unreachable")
        return self.real.due(program_id, task, until)


@pytest.fixture
def app_client(aws):
    import app
    with Client(app.app, stage_name="local") as client:
        yield client


def invoke(client, job, at):
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                            resources=[])
    event["time"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.loads(json.dumps(client.lambda_.invoke(job, event).payload))


def logged(caplog, message):
    return [vars(r) for r in caplog.records if r.getMessage() == message]


def metrics(capsys):
    """The Embedded Metric Format documents printed since the last call."""
    return [doc for line in capsys.readouterr().out.splitlines() if line.startswith("{")
            for doc in [json.loads(line)] if "_aws" in doc]


def test_an_item_failing_five_runs_in_a_row_is_parked_alarmed_on_and_listed_and_the_job_moves_on(
        app_client, aws, caplog, capsys):
    bootstrap.override("clock", FixedClock(T0 + timedelta(days=10)))
    bootstrap.override("shops", BreakingShops(bootstrap.get_shops()))
    shops, due = bootstrap.get_shops(), bootstrap.get_due_work()
    shops.schedule_erasure("demo", BROKEN, T0)
    shops.schedule_erasure("demo", GOOD, T0)

    assert invoke(app_client, "erase_shops", T0) == {"demo": {"done": 1, "failed": 1}}
    for day in range(1, 4):                     # failures below the limit: still due, the cursor waits at its day
        assert invoke(app_client, "erase_shops", T0 + timedelta(days=day)) == {"demo": {"done": 0, "failed": 1}}
        assert due.cursor("demo", SHOP_ERASURE_TASK) == T0.date()
    assert (due.parked("demo"), logged(caplog, "due_item_parked"), metrics(capsys)) == ([], [], [])

    assert invoke(app_client, "erase_shops", T0 + timedelta(days=4)) == {"demo": {"done": 0, "failed": 1}}
    assert due.cursor("demo", SHOP_ERASURE_TASK) == (T0 + timedelta(days=4)).date()     # moved past it
    [parked_line] = logged(caplog, "due_item_parked")
    assert {k: parked_line[k] for k in ("program_id", "task", "ref", "attempts")} == {
        "program_id": "demo", "task": SHOP_ERASURE_TASK, "ref": BROKEN, "attempts": jobs.MAX_ATTEMPTS}
    [metric] = metrics(capsys)
    [alarm] = aws.client("cloudwatch").describe_alarms(AlarmNames=["loyalty-local-due-items-parked"])["MetricAlarms"]
    [emitted] = metric["_aws"]["CloudWatchMetrics"]
    assert emitted["Namespace"] == alarm["Namespace"]
    assert alarm["MetricName"] in [m["Name"] for m in emitted["Metrics"]]
    assert metric[alarm["MetricName"]] == [1.0]
    assert set(emitted["Dimensions"][0]) == {d["Name"] for d in alarm["Dimensions"]}
    assert all(metric[d["Name"]] == d["Value"] for d in alarm["Dimensions"])
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1.0, "GreaterThanOrEqualToThreshold")

    caplog.clear()
    assert invoke(app_client, "erase_shops", T0 + timedelta(days=5)) == {"demo": {"done": 0, "failed": 0}}
    assert logged(caplog, "due_work_failed") == []                                        # no longer tried

    response = app_client.http.get("/admin/jobs/parked", headers={"Authorization": "Bearer local-admin-key"})
    assert response.status_code == 200
    [item] = response.json_body["parked"]
    assert {k: item[k] for k in ("program_id", "task", "ref", "attempts", "first_failed_at", "last_failed_at")} == {
        "program_id": "demo", "task": SHOP_ERASURE_TASK, "ref": BROKEN, "attempts": 5,
        "first_failed_at": T0.isoformat(), "last_failed_at": (T0 + timedelta(days=4)).isoformat()}
    assert item["error"].startswith("RuntimeError: cannot erase the data of <email> xxx")
    assert len(item["error"]) == jobs.ERROR_LENGTH
    assert "example.com" not in json.dumps(parked_line, default=str)
    assert app_client.http.get("/admin/jobs/parked").status_code == 401


def test_a_success_clears_the_failures_and_an_item_due_again_later_counts_from_one(aws):
    bootstrap.override("clock", FixedClock(T0 + timedelta(days=30)))
    due, shops = bootstrap.get_due_work(), bootstrap.get_shops()
    outcomes = iter([False] * 4 + [True] + [False])     # fails 4 runs, succeeds, then fails once (due again)

    def handle(item: DueItem) -> None:
        if not next(outcomes):
            raise RuntimeError("not now")

    shops.schedule_erasure("demo", GOOD, T0)
    for day in range(4):
        assert jobs.run_due("demo", SHOP_ERASURE_TASK, T0 + timedelta(days=day), due, handle).failed == [GOOD]
    assert due.failures("demo", SHOP_ERASURE_TASK)[GOOD].attempts == 4
    assert jobs.run_due("demo", SHOP_ERASURE_TASK, T0 + timedelta(days=4), due, handle).done == 1
    assert due.failures("demo", SHOP_ERASURE_TASK) == {}

    shops.schedule_erasure("demo", GOOD, T0 + timedelta(days=6))         # the same item, due again
    report = jobs.run_due("demo", SHOP_ERASURE_TASK, T0 + timedelta(days=6), due, handle)
    assert (report.failed, report.parked) == ([GOOD], [])
    assert due.failures("demo", SHOP_ERASURE_TASK)[GOOD].attempts == 1
    assert due.cursor("demo", SHOP_ERASURE_TASK) == (T0 + timedelta(days=6)).date()     # held at its day
    assert due.parked("demo") == []


def test_an_item_due_again_at_another_time_counts_its_failures_from_one(aws):
    bootstrap.override("clock", FixedClock(T0 + timedelta(days=30)))
    due, shops = bootstrap.get_due_work(), bootstrap.get_shops()

    def handle(item: DueItem) -> None:
        raise RuntimeError("broken")

    shops.schedule_erasure("demo", GOOD, T0)
    for day in range(jobs.MAX_ATTEMPTS - 1):
        jobs.run_due("demo", SHOP_ERASURE_TASK, T0 + timedelta(days=day), due, handle)
    shops.schedule_erasure("demo", GOOD, T0 + timedelta(days=3, hours=1))     # moved to a new due time
    report = jobs.run_due("demo", SHOP_ERASURE_TASK, T0 + timedelta(days=4), due, handle)
    assert (report.failed, report.parked) == ([GOOD], [])
    failure = due.failures("demo", SHOP_ERASURE_TASK)[GOOD]
    assert (failure.attempts, failure.due_at, failure.first_failed_at) == (
        1, T0 + timedelta(days=3, hours=1), T0 + timedelta(days=4))


def test_a_parked_item_is_not_tried_again_while_another_failure_holds_the_cursor_back(aws):
    bootstrap.override("clock", FixedClock(T0 + timedelta(days=30)))
    due, shops = bootstrap.get_due_work(), bootstrap.get_shops()
    calls: list[str] = []
    run = 0

    def handle(item: DueItem) -> None:              # BROKEN always fails; GOOD fails from the fourth run on
        calls.append(item.ref)
        if item.ref == BROKEN or run >= 3:
            raise RuntimeError("broken")

    shops.schedule_erasure("demo", BROKEN, T0)
    shops.schedule_erasure("demo", GOOD, T0)
    for run in range(jobs.MAX_ATTEMPTS):
        jobs.run_due("demo", SHOP_ERASURE_TASK, T0 + timedelta(days=run), due, handle)
    assert [p.ref for p in due.parked("demo")] == [BROKEN]
    assert due.cursor("demo", SHOP_ERASURE_TASK) == T0.date()                 # GOOD holds it at day 0

    calls.clear()
    report = jobs.run_due("demo", SHOP_ERASURE_TASK, T0 + timedelta(days=5), due, handle)
    assert (calls, report.failed, report.parked) == ([GOOD], [GOOD], [])
    [parked] = due.parked("demo")
    assert (parked.ref, parked.attempts) == (BROKEN, jobs.MAX_ATTEMPTS)


def test_one_programs_failure_leaves_the_other_programs_running(app_client, aws, caplog):
    aws.client("ssm").put_parameter(Name="/loyalty/local/programs/alpha/config", Type="String",
                                    Value=json.dumps({"program_id": "alpha", "shop_domain": "alpha.myshopify.com"}))
    bootstrap.override("clock", FixedClock(T0 + timedelta(days=1)))
    bootstrap.get_shops().schedule_erasure("demo", GOOD, T0)
    bootstrap.override("due_work", ProgramFailing(bootstrap.get_due_work(), "alpha"))

    assert invoke(app_client, "erase_shops", T0 + timedelta(minutes=15)) == {
        "alpha": {"error": True}, "demo": {"done": 1, "failed": 0}}
    [failed] = logged(caplog, "job_program_failed")
    assert (failed["job"], failed["program_id"]) == ("erase_shops", "alpha")


PAID_AT = datetime(2026, 5, 2, 12, 0, tzinfo=UTC)
NOW = PAID_AT + timedelta(days=30)       # what the clock says: the order's 30-day hold ends now


def test_a_job_run_as_of_a_later_time_does_not_lose_the_work_written_afterwards(app_client, aws):
    held = StaticRules(ProgramRules(policy=Policy(hold_days=30)))
    bootstrap.override("clock", FixedClock(NOW))
    bootstrap.override("rules", held)
    assert invoke(app_client, "orders_due", NOW + timedelta(days=30)) == {"demo": {"done": 0, "failed": 0}}
    assert bootstrap.get_due_work().cursor("demo", "order") == NOW.date()      # not past the clock's day

    body = load_json(body_of(make_order(id=1, processed_at=PAID_AT.isoformat())))    # a late webhook, written now
    apply_order_update(parse_event(Delivery("shopify", "orders/paid", "wh-1"), SHOP, body), "demo", held,
                       bootstrap.get_ledger(), FixedClock(NOW))
    assert invoke(app_client, "orders_due", NOW + timedelta(minutes=15)) == {"demo": {"done": 1, "failed": 0}}
    [member] = bootstrap.get_ledger().find_by_email("demo", "ada@example.com")
    assert (member.points_balance, member.pending_points) == (150, 0)
