"""Synced HubSpot contact properties through the app on moto: signed contact.propertyChange webhooks keep them on the
members (newest first per property, a clear included), a segment on `hubspot:<property>` previews them, a property
the program does not sync is refused by name, and erasure leaves none of them on the profile item."""
import json
from datetime import UTC, datetime

import pytest
from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.domain.hubspot import contact_identity
from chalicelib.domain.ledger import member_id_for
from tests.fakes import FixedClock
from tests.hubspot_factories import OCCURRED, PORTAL, batch, event, hubspot_headers, prop
from tests.integration.queues import drain
from tests.integration.test_app import ADMIN

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)        # after the factories' OCCURRED (09:00)
HOUR = 3_600_000
SYNCED = ["lifecyclestage", "interests"]


@pytest.fixture
def client(aws):
    import app
    bootstrap.override("clock", FixedClock(NOW))
    ssm, name = aws.client("ssm"), "/loyalty/local/programs/demo/config"
    config = json.loads(ssm.get_parameter(Name=name)["Parameter"]["Value"])
    ssm.put_parameter(Name=name, Value=json.dumps({**config, "hubspot_synced_properties": SYNCED}), Overwrite=True)
    with Client(app.app, stage_name="local") as client:
        yield client


def send(client, aws, *events):
    """One signed batch, applied by the worker before the next is sent (so the test decides the arrival order)."""
    body = batch(*events)
    response = client.http.post("/webhooks/hubspot", headers=hubspot_headers(body, NOW), body=body)
    assert response.status_code == 200, response.body
    drain(client, aws, require=True)


def define(client, match, name="hs"):
    return client.http.post("/admin/segments", body=json.dumps({"name": name, "match": match}),
                            headers={**ADMIN, "Content-Type": "application/json"})


def member_id(contact):
    return member_id_for("demo", contact_identity(str(PORTAL), str(contact)))


def profile_item(aws, contact):
    key = {"PK": {"S": keys.member_pk("demo", member_id(contact))}, "SK": {"S": keys.PROFILE}}
    return aws.client("dynamodb").get_item(TableName=bootstrap.get_settings().table_name, Key=key,
                                           ConsistentRead=True)["Item"]


def test_synced_properties_arrive_out_of_order_and_a_segment_previews_them(client, aws):
    send(client, aws, prop(1, "lifecyclestage", "customer", event_id=2, occurred_at=OCCURRED + HOUR))
    send(client, aws, prop(1, "lifecyclestage", "lead", event_id=3))                      # older, later: loses
    send(client, aws, prop(2, "lifecyclestage", "customer", event_id=4))
    send(client, aws, prop(2, "lifecyclestage", "", event_id=5, occurred_at=OCCURRED + 2 * HOUR))   # cleared
    send(client, aws, prop(2, "lifecyclestage", "customer", event_id=6, occurred_at=OCCURRED + HOUR))  # older
    send(client, aws, prop(3, "lifecyclestage", "lead", event_id=7), prop(3, "interests", "vinyl;jazz", event_id=8))

    ledger = bootstrap.get_ledger()
    assert [ledger.get_member("demo", member_id(c)).hubspot_properties for c in (1, 2, 3)] == [
        {"lifecyclestage": "customer"}, {}, {"lifecyclestage": "lead", "interests": "vinyl;jazz"}]
    cleared = profile_item(aws, 2)["hubspot_props"]["M"]["lifecyclestage"]["M"]
    assert cleared == {"v": {"NULL": True}, "at": {"S": "2026-11-23T11:00:00+00:00"}}

    customers = define(client, {"field": "hubspot:lifecyclestage", "op": "eq", "value": "customer"})
    assert customers.status_code == 201, customers.json_body
    assert customers.json_body["preview"] == {"members": 1, "sampled": 3, "exact": True}
    previews = {
        "jazz": {"field": "hubspot:interests", "op": "contains", "value": "jazz"},
        "no-stage": {"field": "hubspot:lifecyclestage", "op": "not_exists"},
        "not-customers": {"field": "hubspot:lifecyclestage", "op": "ne", "value": "customer"},
    }
    assert {name: define(client, match, name).json_body["preview"]["members"]
            for name, match in previews.items()} == {"jazz": 1, "no-stage": 1, "not-customers": 1}
    page = client.http.get("/admin/segments/hs/members", headers=ADMIN).json_body
    assert page["members"] == [member_id(1)]


def test_a_field_on_a_property_the_program_does_not_sync_is_a_400_listing_the_synced_ones(client, aws):
    refused = define(client, {"any": [{"field": "hubspot:lifecyclestage", "op": "exists"},
                                      {"field": "hubspot:hs_lead_status", "op": "eq", "value": "NEW"}]})
    assert refused.status_code == 400
    assert refused.json_body == {"error": {"code": "invalid_segment", "message": (
        "match.any[1].field: hubspot:hs_lead_status is not a HubSpot property this program syncs; synced: "
        "lifecyclestage, interests")}}
    assert bootstrap.get_segments().list("demo") == []


def test_a_property_the_program_does_not_sync_is_ignored_as_before(client, aws):
    send(client, aws, prop(1, "hs_lead_status", "NEW"))
    assert bootstrap.get_ledger().get_member("demo", member_id(1)) is None


def test_erasure_leaves_no_synced_property_on_the_profile_item(client, aws):
    send(client, aws, prop(1, "lifecyclestage", "customer"), prop(1, "interests", "vinyl;jazz", event_id=3))
    assert "hubspot_props" in profile_item(aws, 1)

    send(client, aws, event("contact.privacyDeletion", 1, event_id=10))
    send(client, aws, prop(1, "interests", "rock", event_id=11, occurred_at=OCCURRED + HOUR))  # after: refused

    item = profile_item(aws, 1)
    assert "erased_at" in item
    assert "hubspot_props" not in item
    assert not [name for name in item if name.startswith(("hp_", "hubspot"))]
    assert not {"customer", "vinyl;jazz", "rock"} & set(_strings(item))
    assert define(client, {"field": "hubspot:interests", "op": "exists"}).json_body["preview"]["members"] == 0


def _strings(value):
    """Every string anywhere in an item (attribute values, nested maps and lists)."""
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value
