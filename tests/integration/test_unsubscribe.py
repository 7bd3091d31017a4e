"""Unsubscribing, as the merchant and the person see it: the member view shows what mail the member left and why
mail stops, leaving a category is audited in the profile's own transaction, and a link that cannot be used gets
a page that says so (JSON only for a client that asks for JSON)."""
import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest
from chalice.test import Client
from jsonschema import Draft202012Validator

from chalicelib import bootstrap
from chalicelib.adapters.dynamodb_audit import DynamoDBAuditTrail
from chalicelib.adapters.dynamodb_ledger import DynamoDBLedger
from chalicelib.adapters.dynamodb_profiles import DynamoDBProfiles
from chalicelib.domain import tokens
from chalicelib.domain.audit import audit_record
from chalicelib.domain.feedback import COMPLAINT, HARD_BOUNCE
from chalicelib.domain.ledger import Identity, member_id_for
from chalicelib.services import unsubscribe as unsubscribe_service
from chalicelib.services.unsubscribe import AUDIT_KEY
from chalicelib.web.openapi import document
from tests.fakes import FixedClock

ADMIN = {"Authorization": "Bearer local-admin-key"}
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
ADA = Identity("shopify", "demo-shop.myshopify.com:7390012345678901234")
MID = member_id_for("demo", ADA)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
JSON_ONLY = {"Accept": "application/json"}


@pytest.fixture
def clock():
    return FixedClock(NOW)


@pytest.fixture
def client(aws, clock):
    bootstrap.override("clock", clock)
    bootstrap.get_profiles().set_contact("demo", ADA, "ada@example.com", "Ada", NOW)
    import app
    with Client(app.app, stage_name="local") as client:
        yield client


def token(category="review", issued_at=NOW, program_id="demo", member_id=MID, secret=None):
    secret = secret or bootstrap.get_directory().messaging("demo").unsubscribe_secrets[0]
    return tokens.sign(secret, program_id, member_id, category, issued_at)


def leave(client, link, headers=None):
    return client.http.post(f"/unsubscribe/{link}", body=b"List-Unsubscribe=One-Click",
                            headers={**FORM, **(headers or {})})


def member_view(client):
    response = client.http.get(f"/admin/members/{MID}", headers=ADMIN)
    assert response.status_code == 200
    return response.json_body


def audit(client):
    return client.http.get("/admin/audit", headers=ADMIN).json_body["records"]


def assert_documented(body, schema_name):
    """Every field is in the OpenAPI schema (Member, or Profile on top of it), with a matching type."""
    schemas = document()["components"]["schemas"]
    documented = set(schemas["Member"]["properties"])
    if schema_name == "Profile":
        documented |= set(schemas["Profile"]["properties"])
    assert set(body) <= documented, set(body) - documented
    validator = Draft202012Validator({"$ref": f"#/components/schemas/{schema_name}", **document()})
    assert not [e.message for e in validator.iter_errors(body)]


# --- the member view ------------------------------------------------------------------------------------------

def test_the_member_view_shows_what_mail_the_member_left_and_why_mail_stops(client, clock):
    fresh = member_view(client)
    assert {k: fresh[k] for k in ("unsubscribed", "unsubscribed_at", "hard_bounced", "complained")} == {
        "unsubscribed": [], "unsubscribed_at": None, "hard_bounced": False, "complained": False}
    assert leave(client, token("review")).status_code == 200
    clock.current = NOW + timedelta(hours=1)
    assert leave(client, token("marketing", issued_at=NOW)).status_code == 200
    profiles = bootstrap.get_profiles()
    profiles.suppress("demo", MID, COMPLAINT, NOW)
    profiles.suppress("demo", MID, HARD_BOUNCE, NOW)
    body = member_view(client)
    assert (body["unsubscribed"], body["unsubscribed_at"]) == (["marketing", "review"], (NOW + timedelta(hours=1))
                                                               .isoformat())
    assert (body["hard_bounced"], body["complained"]) == (True, True)
    assert_documented(body, "Profile")
    [found] = client.http.get("/admin/members?email=ada@example.com", headers=ADMIN).json_body["members"]
    assert (found["unsubscribed"], found["complained"]) == (["marketing", "review"], True)
    assert_documented(found, "Member")


# --- the audit trail ------------------------------------------------------------------------------------------

def test_leaving_a_category_is_audited_once_as_the_person_and_leaving_it_again_writes_nothing(client, clock):
    assert leave(client, token("review")).status_code == 200
    [record] = audit(client)
    assert {k: record[k] for k in ("key_id", "at", "action", "target", "before", "after", "reason")} == {
        "key_id": "public:unsubscribe", "at": NOW.isoformat(), "action": "member.unsubscribe",
        "target": f"member:{MID}", "before": [], "after": ["review"], "reason": "one-click unsubscribe link"}
    assert "ada" not in json.dumps(record).lower()                              # ids only, no personal data

    clock.current = NOW + timedelta(days=1)
    assert leave(client, token("review")).status_code == 200                    # again: still fine for the person…
    assert len(audit(client)) == 1                                               # …but nothing new is written
    assert member_view(client)["unsubscribed_at"] == NOW.isoformat()

    assert leave(client, token("marketing")).status_code == 200
    newest = audit(client)[0]
    assert (newest["before"], newest["after"], newest["at"]) == (
        ["review"], ["marketing", "review"], (NOW + timedelta(days=1)).isoformat())


def test_the_confirmation_page_neither_unsubscribes_nor_audits(client):
    assert client.http.get(f"/unsubscribe/{token()}", headers=BROWSER).status_code == 200
    assert audit(client) == []
    assert member_view(client)["unsubscribed"] == []


def test_the_profile_change_and_its_audit_record_are_one_transaction(client, monkeypatch):
    """When the audit record cannot be written, the member is not unsubscribed either."""
    clash = dataclasses.replace(audit_record("k_other", NOW, "reward.create", "reward:rw_1"), audit_id="a_clash")
    bootstrap.get_audit().record("demo", clash)
    monkeypatch.setattr(unsubscribe_service, "audit_record",                   # the unsubscribe's record: same key
                        lambda *a, **kw: dataclasses.replace(audit_record(*a, **kw), audit_id="a_clash"))
    response = leave(client, token("review"), BROWSER)
    assert response.status_code == 409
    assert b"try again" in response.body
    assert member_view(client)["unsubscribed"] == []
    assert [r["action"] for r in audit(client)] == ["reward.create"]


def test_an_unknown_member_is_told_they_are_unsubscribed_and_nothing_is_written(client):
    response = leave(client, token(member_id="m_nobody"))
    assert response.status_code == 200
    assert audit(client) == []


# --- links that cannot be used --------------------------------------------------------------------------------

def forged():
    return token(secret=b"not-our-secret")


def tampered():
    payload, mac = token().split(".")
    other = tokens.sign(b"x", "demo", "m_someone_else", "review", NOW).split(".")[0]
    assert other != payload
    return f"{other}.{mac}"


LINKS = {
    "expired": (lambda: token(issued_at=NOW - timedelta(days=366)), 410, b"This link has expired", "token_expired"),
    "not valid yet": (lambda: token(issued_at=NOW + timedelta(days=1)), 400, b"This link is not valid yet",
                      "token_not_yet_valid"),
    "forged": (forged, 400, b"This link is not valid", "invalid_signature"),
    "tampered": (tampered, 400, b"This link is not valid", "invalid_signature"),
    "malformed": (lambda: "garbage", 400, b"This link is not valid", "malformed_token"),
    "bad encoding": (lambda: token().replace(".", ".!"), 400, b"This link is not valid", "malformed_token"),
    "unknown program": (lambda: token(program_id="nope", secret=b"whatever"), 400, b"This link is not valid",
                        "unknown_program"),
}


def requests(client, link, headers):
    return {"GET": client.http.get(f"/unsubscribe/{link}", headers=headers), "POST": leave(client, link, headers)}


@pytest.mark.parametrize("case", list(LINKS))
@pytest.mark.parametrize("headers", [{}, BROWSER, {"Accept": "application/json, text/html"}],
                         ids=["no accept", "browser", "json or html"])
def test_a_link_that_cannot_be_used_gets_a_page_that_says_so_and_changes_nothing(client, case, headers):
    make, status, title, _ = LINKS[case]
    for method, response in requests(client, make(), headers).items():
        assert response.status_code == status, method
        assert response.headers["Content-Type"].startswith("text/html"), method
        assert title in response.body, method
        assert b"<!doctype html>" in response.body
        assert b'"error"' not in response.body
    assert member_view(client)["unsubscribed"] == []
    assert audit(client) == []


@pytest.mark.parametrize("case", list(LINKS))
def test_a_client_asking_for_json_only_gets_the_error_shape(client, case):
    make, status, _, code = LINKS[case]
    for method, response in requests(client, make(), JSON_ONLY).items():
        assert response.status_code == status, method
        assert response.headers["Content-Type"].startswith("application/json"), method
        assert set(response.json_body) == {"error"}
        assert response.json_body["error"]["code"] == code
        assert response.json_body["error"]["message"]
    assert member_view(client)["unsubscribed"] == []


# --- the adapter, on moto and on AWS's DynamoDB Local ---------------------------------------------------------

def leave_while_another_category_is_left_meanwhile(table, dynamodb):
    """Another unsubscribe lands between the read and the write: the write is retried, and each audit record's
    before/after is what really changed."""
    profiles, trail = DynamoDBProfiles(table, dynamodb), DynamoDBAuditTrail(table, dynamodb)
    profiles.set_contact("demo", ADA, "ada@example.com", "Ada", NOW)

    def record(category, at):
        return lambda before: audit_record(AUDIT_KEY, at, "member.unsubscribe", f"member:{MID}",
                                           before=sorted(before), after=sorted(before | {category}))

    meanwhile = []

    def racing(before):
        if not meanwhile:                         # the first attempt: someone else leaves "marketing" now
            meanwhile.append(profiles.unsubscribe("demo", MID, "marketing", NOW, record("marketing", NOW)))
        return record("review", NOW + timedelta(seconds=1))(before)

    assert profiles.unsubscribe("demo", MID, "review", NOW + timedelta(seconds=1), racing) is True
    assert meanwhile == [True]
    assert profiles.unsubscribe("demo", MID, "review", NOW + timedelta(seconds=2), record("review", NOW)) is False
    assert profiles.unsubscribe("demo", "m_nobody", "review", NOW, record("review", NOW)) is False
    records, _ = trail.page("demo", None, 10)
    assert [(r.before, r.after) for r in records] == [('["marketing"]', '["marketing", "review"]'),
                                                      ("[]", '["marketing"]')]
    member = DynamoDBLedger(table, dynamodb).get_member("demo", MID)
    assert (member.unsubscribed, member.unsubscribed_at) == ({"marketing", "review"}, NOW + timedelta(seconds=1))


def test_a_concurrent_unsubscribe_is_retried_with_a_true_audit_record_on_moto(aws):
    leave_while_another_category_is_left_meanwhile(bootstrap.get_settings().table_name, bootstrap.client("dynamodb"))


@pytest.mark.local_stack
def test_a_concurrent_unsubscribe_is_retried_with_a_true_audit_record_on_dynamodb_local(dynamodb_local_table):
    leave_while_another_category_is_left_meanwhile(*dynamodb_local_table)
