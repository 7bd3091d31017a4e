"""Reconciliation on moto against the local Shopify stand-in (infra/local/shopify_standin.py, a real HTTP server on
the loopback): the same store's history is played twice, once with every webhook delivered and once with some
dropped and the hourly job run. The ledgers must end the same; a second run changes nothing; the repairs are listed.
"""
import copy
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.adapters.crm_connectors import ConnectorClients
from chalicelib.domain.ledger import Identity, member_id_for
from infra.local.bootstrap import bootstrap as local_bootstrap
from infra.local.settings import program_settings
from infra.local.shopify_standin import TOKEN, ShopifyStore, start_in_thread
from tests.factories import SHOP, load_event, make_order
from tests.fakes import FixedClock
from tests.integration.queues import deliver

ADMIN = {"Authorization": "Bearer local-admin-key"}
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
CUSTOMERS = {"ada": 7390012345678901234, "bob": 7390012345678900001, "cy": 7390012345678900002}


def order(number, who, hours_ago):
    return make_order(id=5928371928374650000 + number, name=f"#{number}",
                      processed_at=(NOW - timedelta(hours=hours_ago)).isoformat(),
                      customer={**make_order()["customer"], "id": CUSTOMERS[who], "email": f"{who}@example.com",
                                "first_name": who.title()})


def refund(of, number, hours_ago):
    body = copy.deepcopy(load_event("shopify/refunds-create.2026-04"))
    body.update(id=890088186047890000 + number, order_id=of["id"],
                created_at=(NOW - timedelta(hours=hours_ago)).isoformat())
    body["refund_line_items"] = body["refund_line_items"][:1]          # 54.00 of merchandise back
    return body


# (topic, payload, hours before NOW when Shopify had it): a store's last day.
O1, O2, O3, O4 = order(1, "ada", 20), order(2, "bob", 18), order(3, "cy", 10), order(4, "ada", 6)
HISTORY = [("orders/paid", O1, 20), ("orders/paid", O2, 18), ("orders/paid", O3, 10), ("refunds/create",
           refund(O1, 1, 9), 9), ("orders/paid", O4, 6), ("orders/cancelled", {**O2, "cancelled_at":
           (NOW - timedelta(hours=5)).isoformat()}, 5), ("refunds/create", refund(O3, 2, 2), 2)]


class World:
    """One program on moto with a Shopify connector to its own stand-in."""

    def __init__(self, client, store):
        self.client, self.store = client, store

    def happen(self, topic, payload, hours_ago, delivered):
        self.store.record(topic, payload, NOW - timedelta(hours=hours_ago))
        if delivered:
            deliver(self.client, boto3.Session(), topic, payload, f"wh-{topic}-{payload['id']}")

    def reconcile(self, at=NOW):
        event = self.client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                                     resources=[])
        event["time"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
        return self.client.lambda_.invoke("reconcile", event).payload

    def ledger(self):
        """Per customer: balance, pending and lifetime points, and each entry's (kind, points, pending, order)."""
        found = {}
        for who, customer in CUSTOMERS.items():
            member_id = member_id_for("demo", Identity("shopify", f"{SHOP}:{customer}"))
            member = bootstrap.get_ledger().get_member("demo", member_id)
            entries = self.client.http.get(f"/admin/members/{member_id}/ledger", headers=ADMIN).json_body
            found[who] = (member.points_balance, member.pending_points, member.lifetime_points,
                          sorted((e["kind"], e["points"], e.get("pending_points", 0), e["source"].get("order_id"))
                                 for e in entries["entries"])) if member else None
        return found


@pytest.fixture
def world():
    store = ShopifyStore()
    server = start_in_thread(0, None, store=store)
    with mock_aws():
        bootstrap.reset()
        local_bootstrap(program_settings({"SHOPIFY_ACCESS_TOKEN": TOKEN,
                                          "SHOPIFY_ADMIN_API_BASE": f"http://127.0.0.1:{server.server_port}"}))
        bootstrap.override("connector_clients", ConnectorClients(bootstrap.get_directory().connector_settings,
                                                                 sleep=lambda _: None, timeout=(2, 2)))
        bootstrap.override("clock", FixedClock(NOW))
        import app
        with Client(app.app, stage_name="local") as client:
            yield World(client, store)
    bootstrap.reset()
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def all_delivered():
    """The oracle: the ledger when every webhook of HISTORY arrived (no reconciliation)."""
    store = ShopifyStore()
    with mock_aws():
        bootstrap.reset()
        local_bootstrap(program_settings({}))
        bootstrap.override("clock", FixedClock(NOW))
        import app
        with Client(app.app, stage_name="local") as client:
            w = World(client, store)
            for topic, payload, hours in HISTORY:
                w.happen(topic, payload, hours, delivered=True)
            found = w.ledger()
    bootstrap.reset()
    return found


DROPS = {
    "a first order": {0},
    "a refund": {3},
    "a cancellation and a late refund": {5, 6},
    "every webhook": set(range(len(HISTORY))),
}


@pytest.mark.parametrize("dropped", DROPS.values(), ids=DROPS.keys())
def test_dropped_webhooks_are_repaired_and_the_ledger_ends_as_if_they_had_come(world, all_delivered, dropped):
    for index, (topic, payload, hours) in enumerate(HISTORY):
        world.happen(topic, payload, hours, delivered=index not in dropped)

    first = world.reconcile()

    assert world.ledger() == all_delivered
    assert first["demo"]["shopify"]["failed"] == 0
    repaired = world.client.http.get("/admin/deliveries/repaired", headers=ADMIN).json_body["repaired"]
    orders = {str(HISTORY[i][1].get("order_id") or HISTORY[i][1]["id"]) for i in dropped}
    assert {r["ref"] for r in repaired} == orders
    assert first["demo"]["shopify"]["repaired"] == len(orders)
    assert all(r["source"] == "shopify" and r["member_id"] for r in repaired)

    second = world.reconcile(NOW + timedelta(hours=1))          # the overlap reads the same orders again

    assert second["demo"]["shopify"]["repaired"] == 0
    assert world.ledger() == all_delivered
    assert len(world.client.http.get("/admin/deliveries/repaired", headers=ADMIN).json_body["repaired"]) == len(
        repaired)


def test_with_nothing_dropped_nothing_is_repaired_and_the_watermark_moves_on(world, all_delivered):
    for topic, payload, hours in HISTORY:
        world.happen(topic, payload, hours, delivered=True)

    report = world.reconcile()["demo"]["shopify"]

    assert report == {"scanned": 4, "repaired": 0, "refused": 0, "failed": 0, "complete": True}
    assert world.ledger() == all_delivered
    [shopify, hubspot] = world.client.http.get("/admin/reconciliation", headers=ADMIN).json_body["sources"]
    assert shopify["watermark"] == (NOW - timedelta(minutes=15)).isoformat()
    assert shopify["last_run"]["scanned"] == 4
    assert shopify["last_run"]["since"] == (NOW - timedelta(minutes=15) - timedelta(days=2, hours=1)).isoformat()
    assert hubspot == {"source": "hubspot", "watermark": None, "last_run": None}


def test_an_order_younger_than_the_settling_time_is_left_to_its_webhook(world):
    world.happen("orders/paid", O1, 0.1, delivered=False)                 # six minutes ago

    assert world.reconcile()["demo"]["shopify"]["scanned"] == 0
    assert world.ledger()["ada"] is None
    assert world.reconcile(NOW + timedelta(minutes=30))["demo"]["shopify"]["repaired"] == 1
    assert world.ledger()["ada"][2] == 150


def test_a_webhook_that_arrives_after_the_repair_changes_nothing(world, all_delivered):
    for index, (topic, payload, hours) in enumerate(HISTORY):
        world.happen(topic, payload, hours, delivered=index != 0)
    world.reconcile()

    deliver(world.client, boto3.Session(), "orders/paid", O1, "wh-late")  # Shopify's retry, a day late

    assert world.ledger() == all_delivered


@pytest.fixture
def hubspot_world(tmp_path):
    from infra.local.hubspot_standin import TOKEN as HUBSPOT_TOKEN
    from infra.local.hubspot_standin import start_in_thread as start_hubspot
    server = start_hubspot(0, tmp_path / "hubspot")
    base = f"http://127.0.0.1:{server.server_port}"
    with mock_aws():
        bootstrap.reset()
        local_bootstrap(program_settings({"HUBSPOT_ACCESS_TOKEN": HUBSPOT_TOKEN, "HUBSPOT_API_BASE": base}))
        bootstrap.override("clock", FixedClock(NOW))
        import app
        with Client(app.app, stage_name="local") as client:
            yield client, base
    bootstrap.reset()
    server.shutdown()
    server.server_close()


def test_hubspot_contacts_whose_creation_never_came_are_enrolled_once(hubspot_world):
    import requests
    client, base = hubspot_world
    for email, hours in (("grace@example.com", 3), ("alan@example.com", 30), ("new@example.com", 0.1)):
        created = (NOW - timedelta(hours=hours)).isoformat().replace("+00:00", "Z")
        requests.post(f"{base}/_standin/contacts", json={"email": email, "firstname": email.split("@")[0].title(),
                                                         "createdate": created}, timeout=5).raise_for_status()
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                            resources=[])
    event["time"] = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")

    first = client.lambda_.invoke("reconcile", event).payload["demo"]["hubspot"]

    assert first == {"scanned": 2, "repaired": 2, "refused": 0, "failed": 0, "complete": True}
    members = {m["email"]: m for m in client.http.get("/admin/members?email=grace@example.com",
                                                      headers=ADMIN).json_body["members"]}
    assert members["grace@example.com"]["identities"][0].startswith("hubspot:62515:")
    assert client.http.get("/admin/members?email=new@example.com", headers=ADMIN).json_body["members"] == []
    event["time"] = (NOW + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    second = client.lambda_.invoke("reconcile", event).payload["demo"]["hubspot"]
    assert (second["scanned"], second["repaired"]) == (1, 1)                    # the young one, settled now
    event["time"] = (NOW + timedelta(hours=1, minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    third = client.lambda_.invoke("reconcile", event).payload["demo"]["hubspot"]
    assert (third["scanned"], third["repaired"]) == (1, 0)                      # read again in the overlap: known
    repaired = client.http.get("/admin/deliveries/repaired", headers=ADMIN).json_body["repaired"]
    assert sorted((r["source"], r["facts"]) for r in repaired) == [("hubspot", ["contact"])] * 3
