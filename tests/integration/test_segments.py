"""Merchant-defined segments through the app on moto: defined with an exact preview, counted by the nightly run,
listed beside the built-in ones, their members paged; a taken name is a 409 and a bad body a 400 storing nothing."""
import json
from datetime import UTC, datetime

import pytest

from chalicelib import bootstrap
from chalicelib.domain.audit import audit_record
from chalicelib.domain.errors import Conflict
from chalicelib.domain.segment_rules import SegmentDefinition
from tests.factories import make_order
from tests.integration import test_journey_run as journey
from tests.integration.journey_runs import run_journey
from tests.integration.queues import deliver
from tests.integration.test_journey_run import ADMIN, AS_OF, member_of

client, ordered = journey.client, journey.ordered          # the fixtures: the app on moto, three customers' orders

# A: two purchase days, silent 146 days; B: one, 10 days ago; C: two, 60 days ago (tests/integration/test_journey_run).
QUIET_REPEATERS = {"name": "quiet-repeaters", "description": "two orders or more, none for 90 days",
                   "match": {"all": [{"field": "orders", "op": "gte", "value": 2},
                                     {"field": "last_order_days_ago", "op": "gte", "value": 90}]}}


def define(client, body):
    return client.http.post("/admin/segments", body=json.dumps(body),
                            headers={**ADMIN, "Content-Type": "application/json"})


def members_of(client, name):
    found, cursor = [], ""
    while True:
        page = client.http.get(f"/admin/segments/{name}/members?limit=1&cursor={cursor}", headers=ADMIN).json_body
        found += page["members"]
        if not (cursor := page["next"]):
            return found


def test_a_segment_is_previewed_counted_by_the_run_and_lists_its_members(client, aws, ordered):
    made = define(client, QUIET_REPEATERS)

    assert made.status_code == 201
    assert made.json_body == {**QUIET_REPEATERS, "kind": "custom", "created_at": "2026-06-30T12:00:00+00:00",
                              "preview": {"members": 1, "sampled": 3, "exact": True}}
    before = client.http.get("/admin/segments", headers=ADMIN).json_body["segments"]
    assert before[-1] == {"name": "quiet-repeaters", "kind": "custom", "members": 0, "hubspot_list": None}

    run_journey(client, aws, AS_OF)

    counts = {s["name"]: (s["kind"], s["members"]) for s in client.http.get("/admin/segments",
                                                                             headers=ADMIN).json_body["segments"]}
    assert counts["quiet-repeaters"] == ("custom", 1)
    assert members_of(client, "quiet-repeaters") == [member_of("A")]
    [audit] = [r for r in client.http.get("/admin/audit", headers=ADMIN).json_body["records"]
               if r["action"] == "segment.create"]
    assert audit["target"] == "segment:quiet-repeaters"


def test_a_taken_name_is_a_409(client, aws):
    assert define(client, QUIET_REPEATERS).status_code == 201
    again = define(client, {**QUIET_REPEATERS, "description": None})
    assert again.status_code == 409
    assert again.json_body["error"]["code"] == "segment_exists"
    assert [d.description for d in bootstrap.get_segments().list("demo")] == [QUIET_REPEATERS["description"]]


def test_a_bad_body_names_every_problem_and_stores_nothing(client, aws):
    bad = {"name": "stage-vip", "match": {"any": [{"field": "rfm_recency", "op": "eq", "value": 7},
                                                 {"field": "stage", "op": "gt", "value": "repeat"}]}}
    refused = define(client, bad)

    assert refused.status_code == 400
    error = refused.json_body["error"]
    assert error["code"] == "invalid_segment"
    problems = error["message"].split("; ")
    assert [p.split(":")[0] for p in problems] == ["name", "match.any[0].value", "match.any[1].op"]
    assert "match.any[0].value: an integer from 1 to 5" in problems
    assert bootstrap.get_segments().list("demo") == []
    assert client.http.get("/admin/segments/stage-vip/members", headers=ADMIN).status_code == 404


def test_the_table_refuses_a_taken_name_even_when_two_define_it_at_once(aws):
    at = datetime(2026, 6, 30, tzinfo=UTC)
    store = bootstrap.get_segments()
    definition = SegmentDefinition("vip", {"field": "tier", "op": "eq", "value": "gold"}, None, at, "k_1")
    store.add("demo", definition, audit_record("k_1", at, "segment.create", "segment:vip"))
    with pytest.raises(Conflict) as refused:
        store.add("demo", definition, audit_record("k_1", at, "segment.create", "segment:vip"))
    assert refused.value.code == "segment_exists"
    assert store.list("demo") == [definition]


def test_a_segment_on_product_tags_holds_the_members_who_bought_a_product_so_tagged(client, aws, ordered):
    deliver(client, aws, "products/update", {"id": 8123456789012345678, "tags": "Knitwear, Wool",
                                             "handle": "merino-crew-sweater", "updated_at": "2026-06-01T00:00:00Z"},
            "wh-tags", require=True)
    customer = {**make_order()["customer"], "id": 7390012345678900004, "email": "d@example.com"}
    deliver(client, aws, "orders/paid", make_order(id=5928371928374651000, name="#900", customer=customer,
                                                   processed_at="2026-06-25T10:15:02-05:00"), "wh-d", require=True)
    bought = [m for m in (bootstrap.get_ledger().find_by_email("demo", "d@example.com")) if m.tags_bought]
    assert [sorted(m.tags_bought) for m in bought] == [["knitwear", "wool"]]

    made = define(client, {"name": "knitwear-buyers", "match": {"field": "product_tags", "op": "contains",
                                                                "value": "KNITWEAR"}})
    assert made.status_code == 201, made.json_body
    assert made.json_body["preview"]["members"] == 1            # A, B and C bought before the tags were known
    assert members_of(client, "knitwear-buyers") == [bought[0].member_id]
