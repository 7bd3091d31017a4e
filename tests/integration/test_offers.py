"""Offers granted on moto through the real adapters: bonus points land once, a boost multiplies the order points
of its window only (orders arriving as webhooks), a reward code is given at no cost, the boost follows a merge, and
with a Shopify connector (a local HTTP server) the code is registered and the customer tagged."""
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.adapters.crm_connectors import ConnectorClients
from chalicelib.adapters.dynamodb_offers import DynamoDBBoosts
from chalicelib.domain.audit import audit_record
from chalicelib.domain.errors import NotFound
from chalicelib.domain.ledger import EntryKind, Identity, LedgerEntry, MemberHints, entry_id_for, member_id_for
from chalicelib.domain.merges import plan_merge
from chalicelib.domain.offers import BonusPoints, Boost, PointsMultiplier, RewardOffer, ShopifyTag
from chalicelib.services.offers import grant
from infra.local.bootstrap import bootstrap as local_bootstrap
from infra.local.settings import program_settings
from tests.factories import make_order
from tests.fakes import FixedClock, InMemoryLedger
from tests.integration.queues import deliver
from tests.offer_fakes import InMemoryBoosts
from tests.platform_server import Answer, PlatformServer

ADMIN = {"Authorization": "Bearer local-admin-key", "Content-Type": "application/json"}
PROGRAM = "demo"
GRAPHQL = "/admin/api/2025-10/graphql.json"
COST = {"cost": {"requestedQueryCost": 10, "actualQueryCost": 10,
                 "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1990, "restoreRate": 100.0}}}
GRANTED_AT = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)
CLOCK_AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def client(aws):
    bootstrap.override("clock", FixedClock(CLOCK_AT))
    import app
    with Client(app.app, stage_name="local") as test_client:
        yield test_client


def pay(client, order_id, processed_at):
    """An orders/paid webhook for Ada (150.74 of merchandise: 150 points at the default rate)."""
    deliver(client, boto3.Session(), "orders/paid",
            make_order(id=order_id, name=f"#{order_id}", processed_at=processed_at.isoformat()), f"wh-{order_id}")


def ada():
    [member] = bootstrap.get_ledger().find_by_email(PROGRAM, "ada@example.com")
    return member


def earned():
    return ada().lifetime_points


def test_a_boost_multiplies_the_points_of_orders_processed_in_its_window_only(client):
    pay(client, 1001, GRANTED_AT - timedelta(days=5))
    assert earned() == 150
    grant(PROGRAM, ada(), PointsMultiplier(Decimal(2), 14), "campaign:c1:ada:step-2", GRANTED_AT,
          bootstrap.get_offer_deps())

    pay(client, 1002, GRANTED_AT + timedelta(days=5))                # inside: 150.74 × 2
    assert earned() == 150 + 301
    pay(client, 1003, GRANTED_AT + timedelta(days=14))               # the window has ended
    assert earned() == 150 + 301 + 150
    pay(client, 1002, GRANTED_AT + timedelta(days=5))                # the same webhook again: nothing more
    assert earned() == 601
    assert ada().boost == Boost(Decimal(2), GRANTED_AT, GRANTED_AT + timedelta(days=14))


def test_bonus_points_land_once_in_the_ledger(client):
    pay(client, 1001, GRANTED_AT)
    deps = bootstrap.get_offer_deps()

    first = grant(PROGRAM, ada(), BonusPoints(500), "campaign:c1:ada:step-1", CLOCK_AT, deps)
    again = grant(PROGRAM, ada(), BonusPoints(500), "campaign:c1:ada:step-1", CLOCK_AT + timedelta(minutes=1), deps)

    assert (first.points, first.cost, again.points, again.cost) == (500, Decimal("5.00"), 500, Decimal("5.00"))
    entries = client.http.get(f"/admin/members/{ada().member_id}/ledger", headers=ADMIN).json_body["entries"]
    assert [(e["kind"], e["points"]) for e in entries if e["kind"] == "bonus"] == [("bonus", 500)]
    assert (ada().points_balance + ada().pending_points, ada().lifetime_points) == (650, 650)


def test_a_reward_code_is_given_once_at_no_points_cost_and_mailed_without_a_connector(client):
    pay(client, 1001, GRANTED_AT)
    reward = client.http.post("/admin/rewards", headers=ADMIN, body=json.dumps(
        {"name": "$10 off", "kind": "fixed_amount", "value": "10.00", "points_cost": 1000})).json_body
    before = ada().points_balance
    deps = bootstrap.get_offer_deps()

    for _ in range(2):
        granted = grant(PROGRAM, ada(), RewardOffer(reward["reward_id"]), "campaign:c1:ada:step-3", CLOCK_AT, deps)
        assert (granted.points, granted.cost) == (0, Decimal("10.00"))

    mid = ada().member_id
    [given] = client.http.get(f"/admin/members/{mid}/redemptions", headers=ADMIN).json_body["redemptions"]
    assert (given["points"], given["status"]) == (0, "not_registered")
    assert ada().points_balance == before
    mail = [m for m in client.http.get(f"/admin/messages?member_id={mid}", headers=ADMIN).json_body["messages"]
            if m["kind"] == "reward_code"]
    assert [m["status"] for m in mail] == ["scheduled"]


def test_a_boost_follows_the_member_into_the_person_it_is_merged_into(aws):
    ledger = bootstrap.get_ledger()
    source_identity, target_identity = Identity("hubspot", "4711:contact:9"), Identity("shopify", "shop:7001")
    for identity in (source_identity, target_identity):
        key = f"seed:{identity.key}"
        ledger.append(PROGRAM, identity, MemberHints(email="ada@example.com"), LedgerEntry(
            entry_id_for(key), key, EntryKind.ADJUST, 10, GRANTED_AT, GRANTED_AT, reason="seed"))
    source_id, target_id = (member_id_for(PROGRAM, i) for i in (source_identity, target_identity))
    boost = Boost(Decimal("1.5"), GRANTED_AT, GRANTED_AT + timedelta(days=7))
    assert DynamoDBBoosts(bootstrap.get_settings().table_name, bootstrap.client("dynamodb")).set_boost(
        PROGRAM, source_id, boost, "k1")
    source, target = ledger.get_member(PROGRAM, source_id), ledger.get_member(PROGRAM, target_id)

    ledger.merge_members(PROGRAM, plan_merge(source, target, target_id, ("member",), GRANTED_AT, "same email"),
                         target_identity,
                         audit_record("test", GRANTED_AT, "member.merge", f"member:{source_id}"))

    assert ledger.get_member(PROGRAM, target_id).boost == boost


class BoostStoreContract:
    """The boost store's promises, on the fake and on DynamoDB alike."""

    def store_and_member(self):
        raise NotImplementedError

    def test_a_key_sets_the_boost_once_and_a_later_key_replaces_it(self):
        store, get, member_id = self.store_and_member()
        first = Boost(Decimal(2), GRANTED_AT, GRANTED_AT + timedelta(days=14))
        second = Boost(Decimal(3), GRANTED_AT + timedelta(days=1), GRANTED_AT + timedelta(days=8))
        assert store.set_boost(PROGRAM, member_id, first, "k1") is True
        assert store.set_boost(PROGRAM, member_id, first, "k1") is False
        assert get(member_id).boost == first
        assert store.set_boost(PROGRAM, member_id, second, "k2") is True
        assert store.set_boost(PROGRAM, member_id, first, "k1") is False      # a late retry changes nothing
        assert get(member_id).boost == second

    def test_a_member_without_a_profile_cannot_take_a_boost(self):
        store, _, _ = self.store_and_member()
        with pytest.raises(NotFound):
            store.set_boost(PROGRAM, "m_000000000000000000000000", Boost(Decimal(2), GRANTED_AT, CLOCK_AT), "k9")


def _seeded(ledger):
    identity = Identity("shopify", "shop:7001")
    key = "seed"
    ledger.append(PROGRAM, identity, MemberHints(), LedgerEntry(entry_id_for(key), key, EntryKind.ADJUST, 10,
                                                               GRANTED_AT, GRANTED_AT, reason="seed"))
    return member_id_for(PROGRAM, identity)


class TestInMemoryBoosts(BoostStoreContract):
    def store_and_member(self):
        ledger = InMemoryLedger()
        return InMemoryBoosts(ledger), lambda m: ledger.get_member(PROGRAM, m), _seeded(ledger)


class TestDynamoDBBoosts(BoostStoreContract):
    @pytest.fixture(autouse=True)
    def _aws(self, aws):
        return aws

    def store_and_member(self):
        ledger = bootstrap.get_ledger()
        store = DynamoDBBoosts(bootstrap.get_settings().table_name, bootstrap.client("dynamodb"))
        return store, lambda m: ledger.get_member(PROGRAM, m), _seeded(ledger)


@pytest.fixture
def shop_api():
    server = PlatformServer().start()
    yield server
    server.stop()


@pytest.fixture
def connected(shop_api):
    with mock_aws():
        bootstrap.reset()
        local_bootstrap(program_settings({"SHOPIFY_ACCESS_TOKEN": "shpat_test",
                                          "SHOPIFY_ADMIN_API_BASE": shop_api.url}))
        bootstrap.override("connector_clients", ConnectorClients(bootstrap.get_directory().connector_settings,
                                                                 sleep=lambda _: None, timeout=(0.5, 0.5)))
        bootstrap.override("clock", FixedClock(CLOCK_AT))
        import app
        with Client(app.app, stage_name="local") as test_client:
            yield test_client
    bootstrap.reset()


def test_with_a_connector_the_customer_is_tagged_and_the_given_code_registered_then_mailed(connected, shop_api):
    client = connected
    pay(client, 1001, GRANTED_AT)
    reward = client.http.post("/admin/rewards", headers=ADMIN, body=json.dumps(
        {"name": "Free shipping", "kind": "free_shipping", "points_cost": 500})).json_body
    shop_api.default("POST", GRAPHQL, Answer(200, {"data": {
        "tagsAdd": {"node": {"id": "gid://shopify/Customer/7390012345678901234"}, "userErrors": []},
        "discountCodeFreeShippingCreate": {"codeDiscountNode": {"id": "gid://shopify/DiscountCodeNode/1"},
                                           "userErrors": []}}, "extensions": COST}))
    deps = bootstrap.get_offer_deps()

    tagged = grant(PROGRAM, ada(), ShopifyTag("vip-early-access"), "campaign:c9:ada:step-1", CLOCK_AT, deps)
    given = grant(PROGRAM, ada(), RewardOffer(reward["reward_id"]), "campaign:c9:ada:step-2", CLOCK_AT, deps)

    assert tagged.detail == "Shopify tag 'vip-early-access' added"
    assert given.cost == Decimal("5.00")                              # 500 points at 0.01
    [tags_add] = [r for r in shop_api.requests if "tagsAdd" in r.body["query"]]
    assert tags_add.body["variables"] == {"id": "gid://shopify/Customer/7390012345678901234",
                                          "tags": ["vip-early-access"]}
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                            resources=[])
    event["time"] = (CLOCK_AT + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    client.lambda_.invoke("register_discounts", event)
    mid = ada().member_id
    [code] = client.http.get(f"/admin/members/{mid}/redemptions", headers=ADMIN).json_body["redemptions"]
    assert (code["status"], code["points"]) == ("registered", 0)
    [create] = [r for r in shop_api.requests if "discountCodeFreeShippingCreate" in r.body["query"]]
    assert create.body["variables"]["d"]["title"] == "Loyalty gift: Free shipping"
    mail = [m for m in client.http.get(f"/admin/messages?member_id={mid}", headers=ADMIN).json_body["messages"]
            if m["kind"] == "reward_code"]
    assert len(mail) == 1
