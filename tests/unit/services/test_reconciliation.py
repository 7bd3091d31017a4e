"""The reconciliation use case with fakes: what it applies, what it records, and where the next run starts."""
import json
from datetime import UTC, datetime, timedelta

from chalicelib.domain.accounting import OrderAccount
from chalicelib.domain.reconciliation import OrderFacts, Settings
from chalicelib.services import reconciliation as svc
from chalicelib.services.orders import Outcome
from chalicelib.services.ports.ledger import OrderRead
from chalicelib.services.ports.reconciliation import ContactPage, OrderPage, SourceState

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SETTINGS = Settings(overlap=timedelta(hours=1), settle=timedelta(minutes=15), first_lookback=timedelta(days=1),
                    max_pages=2)


class Store:
    def __init__(self, watermark=None):
        self.watermark, self.runs = watermark, []

    def state(self, program_id, source):
        return SourceState(source, self.watermark, None)

    def save_run(self, program_id, report, keep_until):
        self.runs.append(report)
        self.watermark = report.watermark or self.watermark


class Metrics:
    def __init__(self):
        self.counted = []

    def count(self, name, value=1, **dimensions):
        self.counted.append((name, value, dimensions))


class Orders:
    def __init__(self, pages):
        self.pages, self.asked, self.bodies = pages, [], []

    def orders_updated(self, since, until, cursor):
        self.asked.append((since, until, cursor))
        index = int(cursor or 0)
        return OrderPage(self.pages[index], str(index + 1) if index + 1 < len(self.pages) else None)

    def order_body(self, order_id):
        self.bodies.append(order_id)
        return json.dumps({"id": order_id})


class Ledger:
    def __init__(self, accounts):
        self.accounts = accounts

    def load_order(self, program_id, shop, order_id, member_id, product_ids=()):
        return OrderRead(self.accounts.get(order_id), None, {})


def listed(order_id, minutes_ago, **kw):
    return OrderFacts(order_id=order_id, updated_at=NOW - timedelta(minutes=minutes_ago), paid=True, cancelled=False,
                      **kw)


def target(store, applied, outcome=lambda e: Outcome("recorded", member_id="m1", points=10), stop=lambda: False):
    def apply(envelope):
        applied.append(envelope)
        return outcome(envelope)
    return svc.Target("p1", apply, store, Metrics(), SETTINGS, stop)


def test_only_orders_the_ledger_lacks_are_fetched_and_applied_as_orders_updated():
    seen = OrderAccount("s", "1", paid_at=NOW)
    orders, store, applied = Orders([[listed("1", 90), listed("2", 60)]]), Store(), []

    report = svc.reconcile_shopify(target(store, applied), NOW, "s", orders, Ledger({"1": seen}))

    assert orders.bodies == ["2"]
    [envelope] = applied
    assert (envelope["topic"], envelope["shop"], envelope["program_id"], envelope["source"]) == (
        "orders/updated", "s", "p1", "shopify")
    assert envelope["body"] == json.dumps({"id": "2"})
    assert [(r.ref, r.facts, r.points) for r in report.repaired] == [("2", ("paid",), 10)]
    assert store.watermark == NOW - timedelta(minutes=15)
    assert orders.asked[0][:2] == (NOW - timedelta(days=1, hours=1, minutes=15), NOW - timedelta(minutes=15))


def test_an_order_already_applied_meanwhile_is_no_repair():
    store, applied = Store(), []
    report = svc.reconcile_shopify(target(store, applied, lambda e: Outcome("unchanged", "already_applied")), NOW,
                                   "s", Orders([[listed("2", 60)]]), Ledger({}))
    assert (report.scanned, report.repaired, len(applied)) == (1, [], 1)


def test_a_run_stops_after_its_pages_and_the_next_resumes_from_the_newest_order_read():
    pages = [[listed("1", 300)], [listed("2", 200)], [listed("3", 100)]]
    store, applied = Store(), []

    report = svc.reconcile_shopify(target(store, applied), NOW, "s", Orders(pages), Ledger({}))

    assert (report.complete, report.scanned) == (False, 2)
    assert store.watermark == NOW - timedelta(minutes=200)
    orders = Orders(pages[2:])
    svc.reconcile_shopify(target(store, []), NOW, "s", orders, Ledger({}))
    assert orders.asked[0][0] == NOW - timedelta(minutes=260)                      # an overlap before it


def test_a_time_limit_stops_the_run_between_pages():
    store = Store()
    report = svc.reconcile_shopify(target(store, [], stop=lambda: True), NOW, "s",
                                   Orders([[listed("1", 300)], [listed("2", 200)]]), Ledger({}))
    assert (report.complete, report.scanned, store.watermark) == (False, 1, NOW - timedelta(minutes=300))


def test_a_failed_order_is_read_again_by_the_next_run_and_the_others_still_apply():
    def outcome(envelope):
        if json.loads(envelope["body"])["id"] == "2":
            raise TimeoutError("the ledger did not answer")
        return Outcome("recorded", member_id="m1", points=5)
    store, applied = Store(), []

    report = svc.reconcile_shopify(target(store, applied, outcome), NOW, "s",
                                   Orders([[listed("1", 300), listed("2", 200), listed("3", 100)]]), Ledger({}))

    assert (report.failed, [r.ref for r in report.repaired]) == (1, ["1", "3"])
    assert report.errors == ["2: TimeoutError"]
    assert store.watermark == NOW - timedelta(minutes=200)


def test_a_refused_order_is_counted_and_not_tried_again():
    store = Store()
    report = svc.reconcile_shopify(target(store, [], lambda e: Outcome("refused", "bad payload")), NOW, "s",
                                   Orders([[listed("1", 60)]]), Ledger({}))
    assert (report.refused, report.repaired, store.watermark) == (1, [], NOW - timedelta(minutes=15))


def test_each_repair_is_counted_in_the_metric():
    store, applied = Store(), []
    t = target(store, applied)
    svc.reconcile_shopify(t, NOW, "s", Orders([[listed("1", 60), listed("2", 50)]]), Ledger({}))
    assert t.metrics.counted == [("ReconciliationRepairs", 1, {"source": "shopify"})] * 2


class Contacts:
    def __init__(self, created):
        self.created = created

    def contacts_created(self, since, until, cursor):
        return ContactPage(self.created, None)


def test_hubspot_contacts_created_in_the_window_are_applied_as_their_creation_notification():
    created = NOW - timedelta(hours=2)
    store, applied = Store(), []

    report = svc.reconcile_hubspot(target(store, applied), NOW, "62515", Contacts([("501", created)]))

    [envelope] = applied
    event = json.loads(envelope["body"])
    assert (envelope["source"], envelope["topic"]) == ("hubspot", "contact.creation")
    assert event == {"portalId": 62515, "objectId": 501, "subscriptionType": "contact.creation",
                     "occurredAt": int(created.timestamp() * 1000), "eventId": "reconcile-501"}
    assert [(r.source, r.ref, r.facts) for r in report.repaired] == [("hubspot", "501", ("contact",))]
