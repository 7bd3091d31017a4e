"""API keys: created by an owner, shown once, stored as hashes, scoped, revocable, never crossing programs."""
import hashlib
import json
from datetime import UTC, datetime

import pytest
from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.domain.audit import audit_record
from chalicelib.domain.errors import InvalidRequest
from chalicelib.services.api_keys import key_hash
from chalicelib.services.ports.programs import ApiKey

ADMIN = {"Authorization": "Bearer local-admin-key", "Content-Type": "application/json"}


@pytest.fixture
def client(aws):
    import app
    with Client(app.app, stage_name="local") as client:
        yield client


def new_key(client, scopes, name="support desk", headers=ADMIN):
    return client.http.post("/admin/api-keys", headers=headers, body=json.dumps({"name": name, "scopes": scopes}))


def bearer(key):
    return {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}


def test_a_new_key_is_shown_once_stored_as_a_hash_and_works_within_its_scopes(client, aws):
    created = new_key(client, ["read"])
    assert created.status_code == 201
    body = created.json_body
    assert body["key"].startswith("lk_")
    assert len(body["key"]) >= 40
    assert (body["scopes"], body["name"], body["created_by"]) == (["read"], "support desk", "local-admin")
    stored = json.dumps(aws.client("dynamodb").scan(TableName="loyalty-local")["Items"])
    assert body["key"] not in stored
    assert hashlib.sha256(body["key"].encode()).hexdigest() in stored
    listed = client.http.get("/admin/api-keys", headers=ADMIN).json_body["api_keys"]
    assert [(k["key_id"], "key" in k) for k in listed] == [(body["key_id"], False)]
    reader = bearer(body["key"])
    assert client.http.get("/admin/rewards", headers=reader).status_code == 200
    refused = client.http.post("/admin/rewards", headers=reader, body=json.dumps(
        {"name": "5 off", "kind": "fixed_amount", "value": "5.00", "points_cost": 500}))
    assert (refused.status_code, refused.json_body["error"]["code"]) == (403, "insufficient_scope")
    assert new_key(client, ["owner"], headers=reader).status_code == 403


def test_write_implies_read_and_only_owners_manage_keys(client):
    writer = bearer(new_key(client, ["write"]).json_body["key"])
    assert client.http.get("/admin/rewards", headers=writer).status_code == 200
    assert client.http.get("/admin/api-keys", headers=writer).status_code == 403
    owner = bearer(new_key(client, ["owner"]).json_body["key"])
    assert client.http.get("/admin/api-keys", headers=owner).status_code == 200


def test_a_revoked_key_stops_working_at_once_and_the_change_is_audited(client):
    created = new_key(client, ["read", "write"]).json_body
    revoked = client.http.delete(f"/admin/api-keys/{created['key_id']}", headers=ADMIN)
    assert revoked.status_code == 200
    assert revoked.json_body["revoked_at"]
    response = client.http.get("/admin/rewards", headers=bearer(created["key"]))
    assert (response.status_code, response.json_body["error"]["code"]) == (401, "unauthorized")
    again = client.http.delete(f"/admin/api-keys/{created['key_id']}", headers=ADMIN)
    assert again.json_body["revoked_at"] == revoked.json_body["revoked_at"]
    assert client.http.delete("/admin/api-keys/k_unknown", headers=ADMIN).status_code == 404
    audit = client.http.get("/admin/audit", headers=ADMIN).json_body["records"]
    assert [(r["action"], r["target"], r["key_id"]) for r in audit] == [
        ("api_key.revoke", f"api_key:{created['key_id']}", "local-admin"),
        ("api_key.create", f"api_key:{created['key_id']}", "local-admin")]
    assert audit[0]["after"]["revoked_at"]
    assert audit[0]["before"]["revoked_at"] is None


def test_a_key_of_another_program_sees_nothing_of_this_one(client, aws):

    other = ApiKey(key_id="k_other", program_id="other", scopes=frozenset({"owner"}), name="x")
    bootstrap.get_api_keys().add(other, key_hash("lk_other-program-key"),
                                 audit_record("setup", datetime.now(UTC), "api_key.create", "api_key:k_other"))
    mine = new_key(client, ["read"]).json_body
    foreign = bearer("lk_other-program-key")
    assert client.http.get("/admin/api-keys", headers=foreign).json_body["api_keys"][0]["key_id"] == "k_other"
    assert client.http.delete(f"/admin/api-keys/{mine['key_id']}", headers=foreign).status_code == 404
    assert client.http.get("/admin/members/m_whatever", headers=foreign).status_code == 404
    assert [r["target"] for r in client.http.get("/admin/audit", headers=foreign).json_body["records"]] == [
        "api_key:k_other"]


@pytest.mark.parametrize("body", [
    {}, {"name": "x"}, {"name": "x", "scopes": []}, {"name": "x", "scopes": ["admin"]},
    {"name": "", "scopes": ["read"]}, {"name": "x", "scopes": "read"}, {"name": "x", "scopes": ["read"], "extra": 1},
    {"name": "x" * 101, "scopes": ["read"]}, [], "read",
])
def test_bad_key_requests_are_400_and_create_nothing(client, body):
    response = client.http.post("/admin/api-keys", headers=ADMIN, body=json.dumps(body))
    assert response.status_code == 400
    assert response.json_body["error"]["code"] in ("invalid_api_key", "invalid_body")
    assert client.http.get("/admin/api-keys", headers=ADMIN).json_body["api_keys"] == []


def test_the_setup_command_makes_a_first_owner_key_that_the_api_accepts(client, aws):
    from infra.admin_key import create_first_key
    key_id, plain = create_first_key(aws.client("dynamodb"), "loyalty-local", "demo", ["read", "write", "owner"],
                                     "first owner key")
    listed = client.http.get("/admin/api-keys", headers=bearer(plain)).json_body["api_keys"]
    assert [(k["key_id"], k["created_by"]) for k in listed] == [(key_id, "setup-command")]


@pytest.mark.parametrize("path", ["/admin/api-keys", "/admin/rewards", "/admin/members/m_x/adjustments",
                                  "/admin/members/m_x/redemptions", "/admin/reviews"])
def test_a_body_that_is_not_json_is_400_in_the_contract_shape(client, path):
    response = client.http.post(path, headers=ADMIN, body='{"name": ')
    assert (response.status_code, response.json_body["error"]["code"]) == (400, "invalid_json")


@pytest.mark.parametrize(("scopes", "name"), [(["admin"], "first owner key"), ([], "first owner key"),
                                              (["owner"], " "), (["owner"], "x" * 101)])
def test_the_setup_command_refuses_what_the_api_refuses_before_writing(scopes, name):
    from infra.admin_key import create_first_key
    with pytest.raises(InvalidRequest) as refused:
        create_first_key(None, "loyalty-local", "demo", scopes, name)
    assert refused.value.code == "invalid_api_key"
