"""Segments mirrored as HubSpot static lists, through the app on moto with a local stand-in for HubSpot's lists API:
chosen with PUT /admin/segments/{name}/hubspot-list, published after each nightly run (the list made MANUAL, then only
the difference sent), a publish delivered twice or late sending nothing wrong, and GET /admin/segments showing it."""
import json
from datetime import UTC, datetime

import pytest

from chalicelib import bootstrap
from chalicelib.domain.hubspot import contact_identity
from chalicelib.domain.ledger import Identity
from chalicelib.services.journey_run import PUBLISH, Task
from chalicelib.services.ports.hubspot import IdentityLink
from tests.factories import SHOP
from tests.hubspot_lists import HubSpotListsStandIn
from tests.integration import test_journey_run as journey
from tests.integration.journey_runs import JOURNEY, run_journey
from tests.integration.queues import deliver
from tests.integration.test_crm_sync import connect
from tests.integration.test_journey_run import ADMIN, AS_OF, CUSTOMER_IDS, member_of, order

client, ordered = journey.client, journey.ordered          # the app on moto (clock pinned), three customers' orders

# At AS_OF (tests/integration/test_journey_run.py): A and C are repeat customers, B a first-time one.
PORTAL = "62515"
CONTACTS = {"A": "9001", "B": "9002"}                       # C has no HubSpot contact
NEXT_RUN = datetime(2026, 7, 3, 3, 15, tzinfo=UTC)
NOW = "2026-06-30T12:00:00+00:00"                           # the pinned clock's


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def hubspot(aws, platform_server, sleeps):
    connect(aws, platform_server.url, sleeps, shopify=False)
    return HubSpotListsStandIn(platform_server)


@pytest.fixture
def linked(hubspot, ordered):
    """A and B linked to HubSpot contacts (HubSpot connected first: the program's settings are cached a while)."""
    identities = bootstrap.get_identities()
    for name, contact in CONTACTS.items():
        primary = Identity("shopify", f"{SHOP}:{CUSTOMER_IDS[name]}")
        identities.link("demo", contact_identity(PORTAL, contact), IdentityLink(member_of(name), primary))


def choose(client, name, mirror=True):
    return client.http.put(f"/admin/segments/{name}/hubspot-list", body=json.dumps({"mirror": mirror}),
                           headers={**ADMIN, "Content-Type": "application/json"})


def segments(client):
    return {s["name"]: s for s in client.http.get("/admin/segments", headers=ADMIN).json_body["segments"]}


def send_publish(aws, as_of):
    sqs = aws.client("sqs")
    sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName=JOURNEY)["QueueUrl"],
                     MessageBody=json.dumps(Task("demo", as_of, PUBLISH).body()))


def test_mirrored_segments_are_published_after_each_run_and_only_the_difference_is_sent(
        client, aws, linked, hubspot, platform_server):
    for name in ("stage:repeat", "stage:first_time"):
        chosen = choose(client, name)
        assert chosen.status_code == 200
        assert chosen.json_body == {"name": name, "mirror": True, "hubspot_list": {
            "list_id": None, "members": None, "published_at": None, "as_of": None}}
    assert platform_server.requests == []                  # nothing is sent before a run

    tasks = run_journey(client, aws, AS_OF)

    assert tasks == 2 * bootstrap.get_member_shards().shards + 2      # summarise and apply per shard, fit, publish
    assert [r.body for r in platform_server.to("POST", "/crm/v3/lists")] == [
        {"name": "Loyalty: stage:first_time", "objectTypeId": "0-1", "processingType": "MANUAL"},
        {"name": "Loyalty: stage:repeat", "objectTypeId": "0-1", "processingType": "MANUAL"}]
    first_time, repeat = hubspot.named("Loyalty: stage:first_time"), hubspot.named("Loyalty: stage:repeat")
    assert hubspot.membership_calls(first_time.list_id) == [{"recordIdsToAdd": ["9002"], "recordIdsToRemove": []}]
    assert hubspot.membership_calls(repeat.list_id) == [{"recordIdsToAdd": ["9001"], "recordIdsToRemove": []}]
    assert bootstrap.get_journey_store().latest_counts("demo")[1]["lists:stage:repeat:unlinked"] == 1   # C
    found = segments(client)
    assert found["stage:repeat"] == {"name": "stage:repeat", "kind": "stage", "members": 2, "hubspot_list": {
        "list_id": repeat.list_id, "members": 1, "published_at": NOW, "as_of": AS_OF.isoformat()}}
    assert found["state:active"]["hubspot_list"] is None

    # B orders again: a repeat customer now. The next run moves B from one list to the other, and nothing else.
    deliver(client, aws, "orders/paid", order("B", "2026-07-02", 99), "wh-99", require=True)
    run_journey(client, aws, NEXT_RUN)

    assert len(platform_server.to("POST", "/crm/v3/lists")) == 2       # the lists exist: none made again
    assert hubspot.membership_calls(first_time.list_id)[1:] == [{"recordIdsToAdd": [], "recordIdsToRemove": ["9002"]}]
    assert hubspot.membership_calls(repeat.list_id)[1:] == [{"recordIdsToAdd": ["9002"], "recordIdsToRemove": []}]
    assert (first_time.members, repeat.members) == (set(), {"9001", "9002"})

    # The queue delivers the publish again, and the first run's publish late: neither sends anything.
    sent = len(platform_server.requests)
    send_publish(aws, NEXT_RUN)
    send_publish(aws, AS_OF)
    assert run_journey(client, aws, NEXT_RUN) == 2
    assert len(platform_server.requests) == sent
    assert (first_time.members, repeat.members) == (set(), {"9001", "9002"})
    assert segments(client)["stage:repeat"]["hubspot_list"] == {
        "list_id": repeat.list_id, "members": 2, "published_at": NOW, "as_of": NEXT_RUN.isoformat()}


def test_an_unmirrored_segment_keeps_its_list_as_it_is(client, aws, linked, hubspot, platform_server):
    choose(client, "stage:first_time")
    run_journey(client, aws, AS_OF)
    calls = len(platform_server.requests)

    stopped = choose(client, "stage:first_time", mirror=False)
    deliver(client, aws, "orders/paid", order("B", "2026-07-02", 99), "wh-99", require=True)
    run_journey(client, aws, NEXT_RUN)

    assert stopped.json_body == {"name": "stage:first_time", "mirror": False, "hubspot_list": None}
    assert len(platform_server.requests) == calls                     # no publish: nothing removed, nothing deleted
    assert hubspot.named("Loyalty: stage:first_time").members == {"9002"}
    assert segments(client)["stage:first_time"]["hubspot_list"] is None
    audits = [(r["target"], r["before"], r["after"]) for r in client.http.get(
        "/admin/audit", headers=ADMIN).json_body["records"] if r["action"] == "segment.hubspot_list"]
    assert sorted(audits, key=str) == sorted([("segment:stage:first_time", None, {"mirror": True}), (
        "segment:stage:first_time", {"mirror": True}, {"mirror": False})], key=str)


def test_a_list_deleted_in_hubspot_is_made_again(client, aws, linked, hubspot, platform_server):
    choose(client, "stage:repeat")
    run_journey(client, aws, AS_OF)
    gone = hubspot.named("Loyalty: stage:repeat")
    hubspot.delete(gone.list_id)
    deliver(client, aws, "orders/paid", order("B", "2026-07-02", 99), "wh-99", require=True)   # a change to send

    run_journey(client, aws, NEXT_RUN)

    again = hubspot.named("Loyalty: stage:repeat")
    assert again.list_id != gone.list_id
    assert again.members == {"9001", "9002"}
    assert hubspot.membership_calls(again.list_id) == [{"recordIdsToAdd": ["9001", "9002"], "recordIdsToRemove": []}]
    assert segments(client)["stage:repeat"]["hubspot_list"]["list_id"] == again.list_id


def test_choosing_an_unknown_segment_without_hubspot_or_with_a_bad_body_is_refused(client, aws):
    unknown = choose(client, "rfm:nobody")
    unconnected = choose(client, "stage:loyal")
    bad = client.http.put("/admin/segments/stage:loyal/hubspot-list", body=json.dumps({"mirror": "yes"}),
                          headers={**ADMIN, "Content-Type": "application/json"})

    assert (unknown.status_code, unknown.json_body["error"]["code"]) == (404, "segment_not_found")
    assert (unconnected.status_code, unconnected.json_body["error"]["code"]) == (409, "hubspot_not_connected")
    assert (bad.status_code, bad.json_body["error"]["code"]) == (400, "invalid_hubspot_list")
    assert all(s["hubspot_list"] is None for s in segments(client).values())
    assert choose(client, "stage:loyal", mirror=False).status_code == 200    # stopping needs no HubSpot
