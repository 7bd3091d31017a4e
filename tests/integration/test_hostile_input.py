"""Bad input never costs us (issue 11): hostile admin requests on moto are 4xx in the error shape and change nothing.

Long ids, hand-edited cursors, deep or non-standard JSON, lone surrogates, amounts no shop could honour, formula
cells in the CSV exports and a recipient address that is really two.
"""
import base64
import csv
import email
import email.policy
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from chalice.test import Client
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib import bootstrap
from chalicelib.services.messaging import dispatch_messages
from tests.factories import load_event, make_order
from tests.fakes import FixedClock
from tests.integration.queues import deliver

ADMIN = {"Authorization": "Bearer local-admin-key", "Content-Type": "application/json"}
NOON = datetime(2026, 11, 23, 12, tzinfo=UTC)       # the app's clock: no test reads today's date
LONG = "m_" + "a" * 3000


@pytest.fixture
def client(aws):
    import app
    bootstrap.override("clock", FixedClock(NOON))
    with Client(app.app, stage_name="local") as client:
        yield client


@pytest.fixture
def member_id(client, aws):
    deliver(client, aws, "orders/paid", make_order(), "o1")
    [member] = client.http.get("/admin/members?email=ada@example.com", headers=ADMIN).json_body["members"]
    return member["member_id"]


def refused(response, statuses=(400, 404)):
    """A 4xx in the contract's error shape; the error's code."""
    assert response.status_code in statuses, (response.status_code, response.body[:300])
    error = json.loads(response.body)["error"]
    assert set(error) == {"code", "message"}
    return error["code"]


def state(client, member_id):
    """What a refused request must leave as it was: the member's balance and ledger, and the audit list."""
    member = client.http.get(f"/admin/members/{member_id}", headers=ADMIN).json_body
    ledger = client.http.get(f"/admin/members/{member_id}/ledger", headers=ADMIN).json_body["entries"]
    audit = client.http.get("/admin/audit", headers=ADMIN).json_body["records"]
    return member["points_balance"], [e["entry_id"] for e in ledger], [r["audit_id"] for r in audit]


def adjust(client, member_id, body):
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.http.post(f"/admin/members/{member_id}/adjustments", headers=ADMIN, body=raw)


# 1. ids far longer than any id we issue


@pytest.fixture
def dynamodb_requests():
    """Every parameter the app sends DynamoDB, as text (attached to the app's own client)."""
    seen = []
    bootstrap.client("dynamodb").meta.events.register(
        "provide-client-params.dynamodb.*", lambda params, **_: seen.append(json.dumps(params, default=str)))
    return seen


LONG_ID_REQUESTS = [
    ("GET", "/admin/members/{long}", None),
    ("GET", "/admin/members/{long}/ledger", None),
    ("GET", "/admin/members/{long}/timeline", None),
    ("GET", "/admin/members/{long}/redemptions", None),
    ("GET", "/admin/members/{long}/sync", None),
    ("POST", "/admin/members/{long}/adjustments", {"points": 5, "reason": "x", "idempotency_key": "k1"}),
    ("POST", "/admin/members/{long}/redemptions", {"reward_id": "rw_0123456789abcdef", "idempotency_key": "k2"}),
    ("POST", "/admin/members/{long}/merge", {"member_id": "m_" + "b" * 24, "reason": "same person"}),
    ("GET", "/admin/messages?member_id={long}", None),
    ("GET", "/admin/data-requests/{long}", None),
    ("DELETE", "/admin/api-keys/{long}", None),
    ("DELETE", "/admin/rules/{long}", None),
]


def test_an_id_of_thousands_of_characters_is_a_4xx_and_never_reaches_dynamodb(client, dynamodb_requests):
    for method, path, body in LONG_ID_REQUESTS:
        response = client.http.request(method, path.format(long=LONG), headers=ADMIN,
                                       body=json.dumps(body).encode() if body else b"")
        refused(response)
    assert dynamodb_requests                     # the key lookups happened, so the spy sees the app's calls
    assert not [r for r in dynamodb_requests if "a" * 200 in r]


@pytest.mark.parametrize("bad", ["m_" + "A" * 24, "m_123", "m_" + "a" * 24 + "\u0663",
                                 "1" * 20 + "\u0663"])
def test_an_id_of_the_wrong_shape_is_not_found_in_the_error_shape(client, bad):
    for path in (f"/admin/members/{bad}", f"/admin/members/{bad}/ledger", f"/admin/data-requests/{bad}"):
        assert refused(client.http.get(path, headers=ADMIN), (404,)) == "not_found"


def test_a_review_of_an_order_id_no_shop_issues_is_refused(client):
    for order_id in ("9" * 3000, "\u0661\u0662\u0663"):
        response = client.http.post("/admin/reviews", headers=ADMIN, body=json.dumps({"order_id": order_id}))
        assert refused(response, (400,)) == "invalid_body"
    response = client.http.post("/admin/reviews", headers=ADMIN, body=json.dumps({"order_id": "1", "shop": "x" * 3000}))
    assert refused(response, (400,)) == "invalid_body"


# 2. cursors: signed, so a hand-edited one is a 400; and no empty last page


def _edit(cursor, change):
    """A cursor as a client could hand-edit it: its first part decoded, changed and encoded again."""
    head, _, tail = cursor.partition(".")
    plain = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    change(plain)
    edited = base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")
    return f"{edited}.{tail}" if tail else edited


def _adjustments(client, member_id, count):
    for n in range(count):
        assert adjust(client, member_id, {"points": 1 + n, "reason": "goodwill", "idempotency_key": f"g{n}"}
                      ).status_code == 201


def test_a_hand_edited_ledger_cursor_is_invalid_cursor_never_a_500(client, member_id):
    _adjustments(client, member_id, 2)
    cursor = client.http.get(f"/admin/members/{member_id}/ledger?limit=1", headers=ADMIN).json_body["next"]
    assert cursor
    edits = [_edit(cursor, lambda p: p.update(SK="PROFILE")), _edit(cursor, lambda p: p.update(SK="L#" + "9" * 2000)),
             _edit(cursor, lambda p: p.update(SK="L#\ud800")), cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB"),
             "A" * 3000, "%FF", cursor + "."]
    for bad in edits:
        response = client.http.get(f"/admin/members/{member_id}/ledger?cursor={bad}", headers=ADMIN)
        assert refused(response, (400,)) == "invalid_cursor", bad


def test_a_cursor_of_one_listing_does_not_open_another(client, member_id):
    _adjustments(client, member_id, 2)
    ledger = client.http.get(f"/admin/members/{member_id}/ledger?limit=1", headers=ADMIN).json_body["next"]
    audit = client.http.get("/admin/audit?limit=1", headers=ADMIN).json_body["next"]
    timeline = client.http.get(f"/admin/members/{member_id}/timeline?limit=1", headers=ADMIN).json_body["next"]
    assert ledger
    assert audit
    assert timeline
    for path in (f"/admin/audit?cursor={ledger}", f"/admin/members/{member_id}/ledger?cursor={audit}",
                 f"/admin/members/{member_id}/ledger?cursor={timeline}",
                 f"/admin/members/{member_id}/timeline?cursor={ledger}"):
        assert refused(client.http.get(path, headers=ADMIN), (400,)) == "invalid_cursor", path


def test_hand_edited_audit_and_timeline_cursors_are_invalid_cursor(client, member_id):
    _adjustments(client, member_id, 3)
    audit = client.http.get("/admin/audit?limit=1", headers=ADMIN).json_body["next"]
    timeline = client.http.get(f"/admin/members/{member_id}/timeline?limit=1", headers=ADMIN).json_body["next"]
    for bad in (_edit(audit, lambda p: p.update(SK="x" * 2000)), _edit(audit, lambda p: p.update(PK="P#other#AUDIT"))):
        assert refused(client.http.get(f"/admin/audit?cursor={bad}", headers=ADMIN), (400,)) == "invalid_cursor"
    for bad in (_edit(timeline, lambda p: p.update(t="not a time")), _edit(timeline, lambda p: p.update(l="A" * 3000))):
        response = client.http.get(f"/admin/members/{member_id}/timeline?cursor={bad}", headers=ADMIN)
        assert refused(response, (400,)) == "invalid_cursor"


def test_a_hand_edited_export_cursor_is_invalid_cursor(client, aws):
    base = load_event("shopify/customers-create.2026-04")
    for i in range(3):
        deliver(client, aws, "customers/create", {**base, "id": 1000 + i, "email": f"c{i}@example.com"}, f"c{i}")
    cursor = client.http.get("/admin/exports/ledger.csv?limit=1", headers=ADMIN).headers["X-Next-Cursor"]
    member_prefix = "P#demo#M#"
    for bad in (_edit(cursor, lambda p: p.update(k=member_prefix + "\ud800")),
                _edit(cursor, lambda p: p.update(k=member_prefix + "m" * 2000)),
                _edit(cursor, lambda p: p.update(e="L#" + "9" * 2000))):
        response = client.http.get(f"/admin/exports/ledger.csv?cursor={bad}", headers=ADMIN)
        assert refused(response, (400,)) == "invalid_cursor"


def _forged(plain):
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def test_cursors_forged_from_scratch_are_invalid_cursor_on_every_listing(client, aws, member_id):
    request = {"shop_id": 1, "shop_domain": "demo-shop.myshopify.com", "orders_requested": [],
               "customer": {"id": 7390012345678901234, "email": "ada@example.com"}, "data_request": {"id": 9001}}
    deliver(client, aws, "customers/data_request", request, "dr1")
    ledger = {"PK": f"P#demo#M#{member_id}", "SK": "PROFILE"}
    rules = client.http.get("/admin/rules", headers=ADMIN).json_body["current"]
    forged = [(f"/admin/members/{member_id}/ledger", ledger), ("/admin/data-requests/9001", ledger),
              ("/admin/audit", {"PK": "P#demo#AUDIT", "SK": "x" * 2000}),
              (f"/admin/members/{member_id}/timeline", {"l": _forged(ledger), "t": "2026-11-23T12:00:00"}),
              ("/admin/exports/ledger.csv", {"l": "ledger", "s": 0, "k": f"P#demo#M#{member_id}", "e": "L#\ud800"})]
    for path, plain in forged:
        response = client.http.get(f"{path}?cursor={_forged(plain)}", headers=ADMIN)
        assert refused(response, (400,)) == "invalid_cursor", path
    dry_run = {"rules": rules, "from": "2026-11-01T00:00:00Z", "to": "2026-11-23T00:00:00Z",
               "cursor": _forged({"l": "orders", "s": 3, "k": "P#demo#O#demo-shop.myshopify.com#1", "e": None})}
    response = client.http.post("/admin/rules/dry-run", headers=ADMIN, body=json.dumps(dry_run))
    assert refused(response, (400,)) == "invalid_cursor"


def test_a_page_that_ends_the_listing_has_no_next(client, member_id):
    _adjustments(client, member_id, 1)          # the order's earn and one adjustment: two entries
    page = client.http.get(f"/admin/members/{member_id}/ledger?limit=2", headers=ADMIN).json_body
    assert (len(page["entries"]), page["next"]) == (2, None)
    first = client.http.get(f"/admin/members/{member_id}/ledger?limit=1", headers=ADMIN).json_body
    second = client.http.get(f"/admin/members/{member_id}/ledger?limit=1&cursor={first['next']}",
                             headers=ADMIN).json_body
    assert (len(second["entries"]), second["next"]) == (1, None)
    assert first["entries"][0]["entry_id"] != second["entries"][0]["entry_id"]
    records = client.http.get("/admin/audit", headers=ADMIN).json_body["records"]
    audit = client.http.get(f"/admin/audit?limit={len(records)}", headers=ADMIN).json_body
    assert (len(audit["records"]), audit["next"]) == (len(records), None)


# 3. bodies nested deep or not standard JSON


ADMIN_POSTS = ["/admin/members/{member}/adjustments", "/admin/members/{member}/redemptions",
               "/admin/members/{member}/merge", "/admin/rewards", "/admin/reviews", "/admin/api-keys", "/admin/rules",
               "/admin/rules/dry-run"]


NOT_OUR_JSON = [b"[" * 10_000 + b"]" * 10_000, b'{"a":' * 10_000 + b"1" + b"}" * 10_000, b"[" * 33 + b"]" * 33,
                b'{"points": NaN}', b'{"points": Infinity}', b'{"points": -Infinity}', b'{"points": 1e400}',
                b'{"points": 5, "points": 6}', b'\xff\xfe{"a": 1}', b'{"points": 1' + b"0" * 5000 + b"}",
                b'{"points": \xd9\xa5}', b""]


@pytest.mark.parametrize("path", ADMIN_POSTS)
def test_deep_or_non_standard_json_is_invalid_json_and_changes_nothing(client, member_id, path):
    before = state(client, member_id)
    for body in NOT_OUR_JSON:
        response = client.http.post(path.format(member=member_id), headers=ADMIN, body=body)
        assert refused(response, (400,)) == "invalid_json", body[:20]
    assert state(client, member_id) == before


# 4. text that is not Unicode scalar values


def test_a_reason_with_a_lone_surrogate_or_control_character_is_refused_and_changes_nothing(client, member_id):
    before = state(client, member_id)
    for reason in ("\\ud800", "ok \\udfff", "\\udbff\\u0041", "\\u0000", "bell \\u0007", "\\r=1", "\\u0085"):
        body = '{"points": 5, "reason": "' + reason + '", "idempotency_key": "s1"}'
        response = adjust(client, member_id, body)
        assert refused(response, (400,)) == "invalid_body"
        assert json.loads(response.body)["error"]["message"].startswith("reason: "), reason
    assert state(client, member_id) == before
    assert client.http.get("/admin/exports/ledger.csv", headers=ADMIN).status_code == 200


SURROGATE_TEXT = [
    ("/admin/rewards", '{"name": "\\ud83d", "kind": "free_shipping", "points_cost": 10}', "name"),
    ("/admin/api-keys", '{"name": "\\udc00", "scopes": ["read"]}', "name"),
    ("/admin/members/{member}/merge", '{"member_id": "m_' + "b" * 24 + '", "reason": "\\ud800"}', "reason"),
    ("/admin/rules", '{"version": "v\\ud800"}', "version"),
    ("/admin/members/{member}/redemptions", '{"reward_id": "rw_1", "idempotency_key": "\\udfff"}',
     "idempotency_key"),
]


def test_text_fields_refuse_lone_surrogates_naming_the_field(client, member_id):
    before = state(client, member_id)
    for path, body, field in SURROGATE_TEXT:
        response = client.http.post(path.format(member=member_id), headers=ADMIN, body=body)
        assert refused(response, (400,)) == "invalid_body"
        assert json.loads(response.body)["error"]["message"].startswith(f"{field}: "), path
    assert state(client, member_id) == before


def test_a_multiline_reason_with_real_characters_is_still_taken(client, member_id):
    response = adjust(client, member_id, {"points": 5, "reason": "Ünïcödé 🎉\n\tsecond line", "idempotency_key": "u1"})
    assert response.status_code == 201


# 5. amounts no shop could honour


IMPOSSIBLE_AMOUNTS = [
    ("value", "fixed_amount", "1e400"), ("value", "fixed_amount", "1E2"), ("value", "fixed_amount", "NaN"),
    ("value", "fixed_amount", "Infinity"), ("value", "fixed_amount", "100000.01"), ("value", "fixed_amount", "5.001"),
    ("value", "fixed_amount", " 5"), ("value", "fixed_amount", "5_000"), ("value", "fixed_amount", "\u0665"),
    ("value", "fixed_amount", "+5"), ("value", "fixed_amount", "0"), ("value", "fixed_amount", "0x10"),
    ("value", "percentage", "1e1"), ("value", "percentage", "100.01"), ("value", "percentage", "0"),
    ("value", "percentage", "-5"), ("minimum_subtotal", "fixed_amount", "1e400"),
    ("minimum_subtotal", "fixed_amount", "100000.01"), ("minimum_subtotal", "fixed_amount", "\u0661\u0660"),
    ("minimum_subtotal", "fixed_amount", "-1"), ("value", "fixed_amount", "\uff15"), ("value", "fixed_amount", "5."),
]


def test_a_reward_amount_no_shop_could_honour_is_refused_naming_the_field(client):
    for field, kind, raw in IMPOSSIBLE_AMOUNTS:
        body = {"name": "Odd", "kind": kind, "value": "5.00", "points_cost": 10, field: raw}
        response = client.http.post("/admin/rewards", headers=ADMIN, body=json.dumps(body))
        assert refused(response, (400,)) == "invalid_reward"
        assert json.loads(response.body)["error"]["message"].startswith(f"{field}: "), (field, raw)
    assert client.http.get("/admin/rewards", headers=ADMIN).json_body["rewards"] == []
    assert client.http.get("/admin/audit", headers=ADMIN).json_body["records"] == []


def test_amounts_a_shop_can_honour_are_taken(client):
    for kind, value, minimum in [("fixed_amount", "100000.00", "100000"), ("fixed_amount", "0.01", "0"),
                                 ("percentage", "100", None), ("percentage", "12.5", "49.99")]:
        body = {"name": "Fine", "kind": kind, "value": value, "points_cost": 10,
                **({"minimum_subtotal": minimum} if minimum is not None else {})}
        response = client.http.post("/admin/rewards", headers=ADMIN, body=json.dumps(body))
        assert response.status_code == 201, response.body
        assert (response.json_body["value"], response.json_body["minimum_subtotal"]) == (value, minimum)


# 6. CSV cells a spreadsheet would run


def ledger_rows(client):
    response = client.http.get("/admin/exports/ledger.csv", headers=ADMIN)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.body.decode())))


FORMULA_REASONS = [" =1+1", "\n=cmd|' /C calc'!A0", "  @SUM(A1)", "\t=1", "-2+3", "+1", "\t\n+1"]


def test_a_reason_a_spreadsheet_would_run_is_neutralised_in_the_export_and_points_stay_numbers(client, member_id):
    for n, reason in enumerate(FORMULA_REASONS):
        response = adjust(client, member_id, {"points": -1, "reason": reason, "idempotency_key": f"f{n}"})
        assert response.status_code == 201, response.body
    rows = [r for r in ledger_rows(client) if r["kind"] == "adjust"]
    assert len(rows) == len(FORMULA_REASONS)
    assert [r["reason"][:1] for r in rows] == ["'"] * len(rows)
    assert {r["points"] for r in rows} == {"-1"}                   # a number, not text


FORMULA_NAMES = [" =1+1", "  @SUM(A1)", "\u0000=1", "\n=1", "\r\n-1", "\t+1", " -2", "\u00a0=1", "\uff1d1"]


def test_a_customer_name_a_spreadsheet_would_run_is_neutralised_in_the_members_export(client, aws):
    base = load_event("shopify/customers-create.2026-04")
    for n, name in enumerate(FORMULA_NAMES):
        deliver(client, aws, "customers/create",
                {**base, "id": 1000 + n, "email": f"c{n}@example.com", "first_name": name}, f"c{n}")
    response = client.http.get("/admin/exports/members.csv", headers=ADMIN)
    rows = list(csv.DictReader(io.StringIO(response.body.decode())))
    assert len(rows) == len(FORMULA_NAMES)
    assert [r["first_name"] for r in rows if r["first_name"] and not r["first_name"].startswith("'")] == []
    assert {r["points_balance"] for r in rows} == {"100"}


# 7. a recipient address that is really two


def dispatch(at):
    directory = bootstrap.get_directory()
    return dispatch_messages("demo", at, bootstrap.get_due_work(), bootstrap.get_outbox(), bootstrap.get_ledger(),
                             bootstrap.get_profiles(), bootstrap.get_composer(), bootstrap.get_mailer(),
                             directory.messaging("demo"), bootstrap.get_rules())


def sent():
    return [m for m in ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].sent_messages if hasattr(m, "raw_data")]


@pytest.mark.parametrize("address", ["ada@example.com, eve@example.com", "Eve <eve@example.com>",
                                     "ada@example.com\r\nBcc: eve@example.com", "ada@example.com;eve@example.com"])
def test_a_customer_email_that_is_not_one_address_is_never_mailed(client, aws, address):
    order = make_order(email=address)
    order["customer"] = {**order["customer"], "email": address}
    deliver(client, aws, "orders/paid", order, "o1")
    [member] = client.http.get("/admin/members?shopify_customer_id=7390012345678901234",
                               headers=ADMIN).json_body["members"]
    dispatch(NOON + timedelta(minutes=5))
    messages = client.http.get(f"/admin/messages?member_id={member['member_id']}", headers=ADMIN).json_body["messages"]
    assert messages
    assert {(m["status"], m["reason"]) for m in messages} == {("skipped", "invalid recipient address")}
    assert sent() == []


def test_a_plain_address_is_still_mailed_to_exactly_that_address(client, aws, member_id):
    dispatch(NOON + timedelta(minutes=5))
    [mail] = sent()
    assert set(mail.destinations) == {"ada@example.com"}        # moto adds the header's addresses to ours
    assert email.message_from_string(mail.raw_data, policy=email.policy.default)["To"] == "ada@example.com"


# 8. the messages list without its member


def test_the_messages_list_without_a_member_id_is_a_400(client):
    for query in ("", "?member_id=", "?kind=welcome"):
        response = client.http.get(f"/admin/messages{query}", headers=ADMIN)
        assert refused(response, (400,)) == "invalid_query"
