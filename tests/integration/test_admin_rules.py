"""Rules through the admin API on moto: versions with effective times, field errors, audit, dry runs."""
import hashlib
import json
from datetime import UTC, datetime

import pytest
from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.adapters.dynamodb_audit import DynamoDBAuditTrail
from chalicelib.domain.program import DEFAULT_RULES
from chalicelib.domain.rules_codec import rules_to_json
from tests.factories import make_order
from tests.fakes import FixedClock
from tests.integration.queues import deliver

ADMIN = {"Authorization": "Bearer local-admin-key"}
READER = {"Authorization": "Bearer reader-key"}
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


@pytest.fixture
def client(aws):
    import app
    bootstrap.override("clock", FixedClock(NOW))
    aws.client("ssm").put_parameter(
        Name=f"/loyalty/local/admin-keys/{hashlib.sha256(b'reader-key').hexdigest()}", Type="SecureString",
        Value=json.dumps({"key_id": "reader", "program_id": "demo", "scopes": ["read"]}))
    with Client(app.app, stage_name="local") as client:
        yield client


def proposal(**changes):
    body = rules_to_json(DEFAULT_RULES)
    del body["version"], body["effective_from"]
    return {**body, **changes}


def post_json(client, path, body, headers=ADMIN):
    return client.http.post(path, headers={**headers, "Content-Type": "application/json"}, body=json.dumps(body))


def pay(client, aws, order_id, processed_at, webhook_id):
    deliver(client, aws, "orders/paid", make_order(id=order_id, processed_at=processed_at), webhook_id,
            visibility_timeout=0, require=True)


def entries(client):
    [member] = client.http.get("/admin/members?email=ada@example.com", headers=ADMIN).json_body["members"]
    ledger = client.http.get(f"/admin/members/{member['member_id']}/ledger", headers=ADMIN).json_body
    return {e["source"]["order_id"]: (e["rule_version"], e["points"]) for e in ledger["entries"]}


def audits(program_id="demo"):
    trail = DynamoDBAuditTrail(bootstrap.get_settings().table_name, bootstrap.client("dynamodb"))
    return trail.page(program_id, None, 10)[0]


def test_without_stored_versions_the_defaults_are_in_force(client):
    response = client.http.get("/admin/rules", headers=READER)
    assert response.status_code == 200
    assert response.json_body == {"current": rules_to_json(DEFAULT_RULES), "versions": []}


def test_a_new_version_applies_to_orders_paid_from_its_effective_time_only(client, aws):
    created = post_json(client, "/admin/rules", proposal(version="double", points_per_unit="2",
                                                         effective_from="2026-11-25T00:00:00+00:00"))
    assert created.status_code == 201
    assert (created.json_body["version"], created.json_body["points_per_unit"]) == ("double", "2")
    listed = client.http.get("/admin/rules", headers=ADMIN).json_body
    assert listed["current"]["version"] == "default-1"            # not yet in force
    assert [v["version"] for v in listed["versions"]] == ["double"]
    pay(client, aws, 1001, "2026-11-20T10:15:02-05:00", "wh-before")
    pay(client, aws, 1002, "2026-11-26T10:15:02-05:00", "wh-after")
    assert entries(client) == {"1001": ("default-1", 150), "1002": ("double", 301)}


def test_versions_are_listed_newest_effective_first_and_a_name_defaults_to_now(client):
    assert post_json(client, "/admin/rules", proposal(effective_from="2026-12-01T00:00:00Z")).status_code == 201
    assert post_json(client, "/admin/rules", proposal(version="later",
                                                      effective_from="2027-01-01T00:00:00Z")).status_code == 201
    now = post_json(client, "/admin/rules", proposal(version="now"))
    assert (now.status_code, now.json_body["effective_from"]) == (201, NOW.isoformat())
    listed = client.http.get("/admin/rules", headers=ADMIN).json_body
    assert [v["version"] for v in listed["versions"]] == ["later", "v-20261123T120000Z", "now"]
    assert listed["current"]["version"] == "now"


def test_the_change_is_audited_in_its_transaction_with_before_and_after(client):
    post_json(client, "/admin/rules", proposal(version="double", points_per_unit="2"))
    [record] = audits()
    assert (record.key_id, record.action, record.target) == ("local-admin", "rules.create", "rules:double")
    assert json.loads(record.before)["version"] == "default-1"
    assert json.loads(record.after)["points_per_unit"] == "2"


def test_field_errors_are_400_listing_every_problem_and_store_nothing(client):
    response = post_json(client, "/admin/rules", proposal(points_per_unit="-1", rounding="sideways", colour="x",
                                                          tiers=[{"name": "gold", "threshold": "5",
                                                                  "multiplier": "2"}]))
    assert response.status_code == 400
    error = response.json_body["error"]
    assert error["code"] == "invalid_rules"
    for field in ("points_per_unit", "rounding", "colour: unknown field", "tiers: the lowest tier"):
        assert field in error["message"]
    assert client.http.get("/admin/rules", headers=ADMIN).json_body["versions"] == []
    assert audits() == []


def test_an_effective_time_in_the_past_is_refused(client):
    response = post_json(client, "/admin/rules", proposal(effective_from="2026-11-23T11:59:59Z"))
    assert (response.status_code, response.json_body["error"]["code"]) == (400, "invalid_rules")
    assert response.json_body["error"]["message"].startswith("effective_from:")
    assert audits() == []


def test_a_version_name_used_before_is_409_and_changes_nothing(client):
    assert post_json(client, "/admin/rules", proposal(version="v1")).status_code == 201
    again = post_json(client, "/admin/rules", proposal(version="v1", effective_from="2027-01-01T00:00:00Z"))
    assert (again.status_code, again.json_body["error"]["code"]) == (409, "version_exists")
    assert len(audits()) == 1


def test_a_version_not_yet_in_force_can_be_withdrawn_once_and_one_in_force_cannot(client):
    assert post_json(client, "/admin/rules", proposal(version="spring", effective_from="2027-03-01T00:00:00Z",
                                                      hold_days=14)).status_code == 201
    assert post_json(client, "/admin/rules", proposal(version="now")).status_code == 201      # in force from NOW

    withdrawn = client.http.delete("/admin/rules/spring", headers=ADMIN)

    assert (withdrawn.status_code, withdrawn.json_body["withdrawn"]["version"]) == (200, "spring")
    versions = client.http.get("/admin/rules", headers=ADMIN).json_body["versions"]
    assert [v["version"] for v in versions] == ["now"]
    assert sorted(a.action for a in audits()) == ["rules.create", "rules.create", "rules.withdraw"]
    again = client.http.delete("/admin/rules/spring", headers=ADMIN)
    assert (again.status_code, again.json_body["error"]["code"]) == (404, "not_found")
    in_force = client.http.delete("/admin/rules/now", headers=ADMIN)
    assert (in_force.status_code, in_force.json_body["error"]["code"]) == (409, "version_in_force")
    assert client.http.delete("/admin/rules/now", headers=READER).status_code == 403
    reused = post_json(client, "/admin/rules", proposal(version="spring", effective_from="2027-04-01T00:00:00Z"))
    assert reused.status_code == 409                         # a withdrawn name is not given to other rules


@pytest.mark.parametrize("body", ["[]", "3", "null", '{"rules": ', json.dumps(proposal(hold_days="3"))])
def test_malformed_bodies_are_400_in_the_contract_shape(client, body):
    response = client.http.post("/admin/rules", headers={**ADMIN, "Content-Type": "application/json"}, body=body)
    assert response.status_code == 400
    assert set(response.json_body["error"]) == {"code", "message"}


def test_a_read_key_may_look_and_dry_run_but_not_change_the_rules(client):
    response = post_json(client, "/admin/rules", proposal(), headers=READER)
    assert (response.status_code, response.json_body["error"]["code"]) == (403, "insufficient_scope")
    dry = post_json(client, "/admin/rules/dry-run", {"rules": proposal(), "from": "2026-11-01T00:00:00Z",
                                                     "to": "2026-11-23T00:00:00Z"}, headers=READER)
    assert dry.status_code == 200


def test_a_dry_run_compares_proposed_with_actual_points_on_real_orders_and_writes_nothing(client, aws):
    pay(client, aws, 2001, "2026-11-20T10:15:02-05:00", "wh-1")
    pay(client, aws, 2002, "2026-11-21T10:15:02-05:00", "wh-2")
    pay(client, aws, 2003, "2026-10-01T10:15:02-05:00", "wh-3")           # before the range
    campaign = {"name": "weekend", "starts_at": "2026-11-21T00:00:00Z", "ends_at": "2026-11-22T00:00:00Z",
                "multiplier": "3"}
    before = client.http.get("/admin/rules", headers=ADMIN).json_body
    response = post_json(client, "/admin/rules/dry-run", {
        "rules": proposal(points_per_unit="2", campaigns=[campaign]),
        "from": "2026-11-01T00:00:00Z", "to": "2026-11-23T00:00:00Z"})
    assert response.status_code == 200
    report = response.json_body
    assert (report["orders"], report["actual_points"], report["proposed_points"]) == (2, 300, 301 + 904)
    assert report["difference"] == 905
    assert (report["truncated"], report["next"]) == (False, None)
    assert report["by_tier"] == {"member": {"orders": 2, "actual_points": 300, "proposed_points": 1205}}
    assert {s["order_id"]: (s["base_amount"], s["actual_points"], s["proposed_points"]) for s in report["sample"]} \
        == {"2001": ("150.74", 150, 301), "2002": ("150.74", 150, 904)}
    assert report["notes"]
    assert client.http.get("/admin/rules", headers=ADMIN).json_body == before
    assert audits() == []


@pytest.mark.parametrize("change", [
    {"from": "2025-01-01T00:00:00Z"}, {"to": "not a time"}, {"extra": True}, {"cursor": "tampered!"},
    {"rules": {"points_per_unit": "1"}},
])
def test_bad_dry_runs_are_400(client, change):
    body = {"rules": proposal(), "from": "2026-11-01T00:00:00Z", "to": "2026-11-23T00:00:00Z", **change}
    response = post_json(client, "/admin/rules/dry-run", body)
    assert response.status_code == 400
    assert set(response.json_body["error"]) == {"code", "message"}


def test_a_version_stored_before_the_shape_was_this_strict_is_still_listed_as_stored(client):
    """A tag the old check took and lower case lengthened ("İ" → "i̇") no longer fits the shape; GET answers it as is."""
    from dataclasses import replace

    long_tag = "İ".lower() * 200                                             # 400 characters, over the 255 a tag takes
    earning = replace(DEFAULT_RULES.earning, version="legacy", excluded_product_tags=frozenset({long_tag}))
    legacy = replace(DEFAULT_RULES, version="legacy", effective_from=datetime(2026, 1, 1, tzinfo=UTC), earning=earning)
    bootstrap.get_rules().add_version("demo", legacy)

    response = client.http.get("/admin/rules", headers=ADMIN)
    assert response.status_code == 200
    assert response.json_body["current"]["version"] == "legacy"
    assert response.json_body["current"]["excluded_product_tags"] == [long_tag]
