"""Pending points become spendable when the hold ends, found through the Due index (moto)."""
import json
from datetime import UTC, datetime, timedelta

from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.adapters.shopify_events import load_json
from chalicelib.adapters.shopify_topics import parse_event
from chalicelib.domain.accounting import Policy
from chalicelib.domain.orders import Delivery
from chalicelib.domain.program import ProgramRules
from chalicelib.services.jobs import orders_due
from chalicelib.services.orders import apply_order_update
from tests.factories import SHOP, body_of, make_order
from tests.fakes import FixedClock, StaticRules

PAID_AT = datetime(2026, 11, 20, 15, 15, 2, tzinfo=UTC)      # the fixture's processed_at
HELD = StaticRules(ProgramRules(policy=Policy(hold_days=30)))


def pay(order_id: int, processed_at: datetime = PAID_AT) -> None:
    body = load_json(body_of(make_order(id=order_id, processed_at=processed_at.isoformat())))
    event = parse_event(Delivery("shopify", "orders/paid", f"wh-{order_id}"), SHOP, body)
    apply_order_update(event, "demo", HELD, bootstrap.get_ledger(), FixedClock(processed_at))


def member():
    [found] = bootstrap.get_ledger().find_by_email("demo", "ada@example.com")
    return found


def run(at: datetime):
    return orders_due("demo", at, bootstrap.get_ledger(), bootstrap.get_due_work(), HELD, FixedClock(at))


def test_points_stay_pending_through_the_hold_and_are_released_once_after_it(aws):
    pay(1)
    assert (member().points_balance, member().pending_points) == (0, 150)
    assert run(PAID_AT + timedelta(days=29, hours=23)).done == 0
    assert run(PAID_AT + timedelta(days=30)).done == 1
    assert (member().points_balance, member().pending_points) == (150, 0)
    assert run(PAID_AT + timedelta(days=31)).done == 0             # left the index: never released twice
    kinds = [e.kind.value for e in bootstrap.get_ledger().ledger("demo", member().member_id, None, 10).entries]
    assert kinds == ["release", "pending_earn"]


def test_the_job_reads_only_the_days_since_its_last_run(aws):
    bootstrap.override("clock", FixedClock(PAID_AT + timedelta(days=36)))     # the cursor never passes the clock's day
    pay(1)
    pay(2, PAID_AT + timedelta(days=5))
    run(PAID_AT + timedelta(days=31))
    assert bootstrap.get_due_work().cursor("demo", "order") == (PAID_AT + timedelta(days=31)).date()
    assert member().pending_points == 150
    assert run(PAID_AT + timedelta(days=36)).done == 1
    assert member().pending_points == 0


def test_the_scheduled_function_takes_its_time_from_the_event(aws):
    pay(1)
    bootstrap.override("rules", HELD)
    import app
    with Client(app.app, stage_name="local") as client:
        early = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                                resources=[])
        early["time"] = (PAID_AT + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert client.lambda_.invoke("orders_due", early).payload == {"demo": {"done": 0, "failed": 0}}
        late = dict(early, time=(PAID_AT + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ"))
        assert json.loads(json.dumps(client.lambda_.invoke("orders_due", late).payload)) == {
            "demo": {"done": 1, "failed": 0}}
    assert member().points_balance == 150


def test_an_order_that_arrives_after_its_hold_already_ended_is_released_by_the_next_run(aws):
    """A late webhook files its due work under the day it was written, never behind the job's cursor."""
    run(PAID_AT + timedelta(days=40))                                    # the job has run: cursor at day +40
    body = load_json(body_of(make_order(id=7, processed_at=PAID_AT.isoformat())))
    event = parse_event(Delivery("shopify", "orders/paid", "wh-late"), SHOP, body)
    apply_order_update(event, "demo", HELD, bootstrap.get_ledger(), FixedClock(PAID_AT + timedelta(days=40)))
    assert member().pending_points == 150
    assert run(PAID_AT + timedelta(days=40, minutes=15)).done == 1
    assert member().points_balance == 150
