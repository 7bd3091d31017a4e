"""Hostile admin requests on the real local stack (issue 11, "bad input never costs us").

Long ids, bad cursors, deep nesting, non-standard JSON, impossible numbers, other scripts' digits and lone
surrogates, sent over HTTP with the local owner key: every answer is a 4xx in the contract's error shape (never a
5xx, never a dropped connection), and nothing changes — the member's balance and ledger, the audit list, the rewards
and the API keys stay as they were.
"""
from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
import requests

from tests.e2e.harness import ADMIN, Stack, find_member, order, post_webhook, wait

pytestmark = [pytest.mark.local_stack, pytest.mark.timeout(180)]
JSON = {**ADMIN, "Content-Type": "application/json"}
LONG = "m_" + "a" * 3000
SURROGATE = "\\ud800"                  # as JSON writes it: a lone surrogate once parsed


def refused(response: requests.Response, statuses: tuple[int, ...] = (400, 404)) -> str:
    """The error code of a 4xx in the contract's shape."""
    assert response.status_code in statuses, (response.request.method, response.request.url[:200],
                                              response.status_code, response.text[:300])
    error = response.json()["error"]
    assert set(error) == {"code", "message"}
    assert error["message"]
    return str(error["code"])


def get(stack: Stack, path: str, **params: str) -> requests.Response:
    return requests.get(f"{stack.api}{path}", params=params or None, headers=ADMIN, timeout=30)


def post(stack: Stack, path: str, body: bytes | str) -> requests.Response:
    raw = body.encode() if isinstance(body, str) else body
    return requests.post(f"{stack.api}{path}", data=raw, headers=JSON, timeout=30)


@pytest.fixture(scope="module")
def member(stack: Stack) -> dict[str, Any]:
    """A member with an order and two adjustments: three ledger entries and two audit records to page through."""
    assert post_webhook(stack.api, json.dumps(order(8_100, "hostile@example.com")).encode(),
                        str(uuid.uuid4())).status_code == 200
    found = wait(lambda: find_member(stack.api, "hostile@example.com"), 20)
    assert found, "the seeded member did not appear within 20 s"
    for n in range(2):
        body = {"points": 5, "reason": "goodwill", "idempotency_key": f"hostile-{n}"}
        assert post(stack, f"/admin/members/{found['member_id']}/adjustments", json.dumps(body)).status_code == 201
    return found


def snapshot(stack: Stack, member_id: str) -> tuple[Any, ...]:
    """What no refused request may change."""
    profile = get(stack, f"/admin/members/{member_id}").json()
    ledger = get(stack, f"/admin/members/{member_id}/ledger").json()["entries"]
    audit = get(stack, "/admin/audit").json()["records"]
    rewards = get(stack, "/admin/rewards").json()["rewards"]
    keys = get(stack, "/admin/api-keys").json()["api_keys"]
    return (profile["points_balance"], profile["pending_points"], [e["entry_id"] for e in ledger],
            [r["audit_id"] for r in audit], [r["reward_id"] for r in rewards], [k["key_id"] for k in keys])


@pytest.fixture(scope="module")
def before(stack: Stack, member: dict[str, Any]) -> tuple[Any, ...]:
    return snapshot(stack, member["member_id"])


def test_ids_far_longer_than_any_we_issue_are_4xx(stack: Stack, member: dict[str, Any], before: tuple) -> None:
    adjustment = json.dumps({"points": 5, "reason": "x", "idempotency_key": "long-1"})
    for path in ("/admin/members/{id}", "/admin/members/{id}/ledger", "/admin/members/{id}/timeline",
                 "/admin/members/{id}/redemptions", "/admin/members/{id}/sync", "/admin/data-requests/{id}"):
        refused(get(stack, path.format(id=LONG)))
    for path, body in (("/admin/members/{id}/adjustments", adjustment),
                       ("/admin/members/{id}/redemptions", '{"reward_id": "rw_0", "idempotency_key": "long-2"}'),
                       ("/admin/members/{id}/merge", json.dumps({"member_id": LONG, "reason": "same"})),
                       ("/admin/members/" + member["member_id"] + "/merge",
                        json.dumps({"member_id": LONG, "reason": "same"})),
                       ("/admin/reviews", json.dumps({"order_id": "9" * 3000})),
                       ("/admin/members/" + member["member_id"] + "/redemptions",
                        json.dumps({"reward_id": "rw_" + "0" * 3000, "idempotency_key": "long-3"}))):
        refused(post(stack, path.format(id=LONG), body))
    for path in (f"/admin/api-keys/k_{'0' * 3000}", f"/admin/rules/v{'1' * 3000}"):
        refused(requests.delete(f"{stack.api}{path}", headers=ADMIN, timeout=30))
    refused(get(stack, "/admin/messages", member_id=LONG), (404,))
    for name, value in (("email", "a" * 3000 + "@example.com"), ("shopify_customer_id", "1" * 3000),
                        ("hubspot_contact_id", "1" * 3000)):
        refused(get(stack, "/admin/members", **{name: value}), (400,))
    assert refused(get(stack, "/admin/messages"), (400,)) == "invalid_query"
    assert snapshot(stack, member["member_id"]) == before


def test_percent_encoded_bytes_that_are_not_utf8_are_4xx(stack: Stack, member: dict[str, Any], before: tuple) -> None:
    member_id = member["member_id"]
    lookup = requests.get(f"{stack.api}/admin/members?email=%ED%A0%80%40example.com", headers=ADMIN, timeout=30)
    assert (lookup.status_code, lookup.json()) == (200, {"members": []})          # no such member: an answer
    for target in ("/admin/members?shopify_customer_id=%FF",
                   "/admin/members/%ED%A0%80", f"/admin/members/{member_id}/ledger?cursor=%ED%A0%80",
                   f"/admin/members/{member_id}/ledger?limit=%FF", "/admin/messages?member_id=%C0%80",
                   "/admin/messages/preview?kind=%ED%A0%80", "/admin/audit?cursor=%00", "/admin/data-requests/%00"):
        refused(requests.get(f"{stack.api}{target}", headers=ADMIN, timeout=30))
    assert snapshot(stack, member_id) == before


def _edited(cursor: str, **changes: Any) -> str:
    head, _, mac = cursor.partition(".")
    plain = {**json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))), **changes}
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=") + (f".{mac}" if mac else "")


def test_bad_cursors_are_invalid_cursor(stack: Stack, member: dict[str, Any], before: tuple) -> None:
    member_id = member["member_id"]
    ledger, timeline = f"/admin/members/{member_id}/ledger", f"/admin/members/{member_id}/timeline"
    cursors = {path: get(stack, path, limit="1").json()["next"] for path in (ledger, timeline, "/admin/audit")}
    export = get(stack, "/admin/exports/ledger.csv", limit="1").headers.get("X-Next-Cursor")
    assert all(cursors.values())
    assert export
    bad = {ledger: [_edited(cursors[ledger], SK="PROFILE"), _edited(cursors[ledger], SK="L#" + "9" * 2000),
                    cursors["/admin/audit"], cursors[timeline]],
           "/admin/audit": [_edited(cursors["/admin/audit"], SK="x" * 2000), cursors[ledger]],
           timeline: [_edited(cursors[timeline], t="2026-01-01T00:00:00"), cursors[ledger]],
           "/admin/exports/ledger.csv": [_edited(export, k="P#demo#M#" + "m" * 2000), _edited(export, e="L#\ud800")],
           "/admin/exports/members.csv": [export],
           "/admin/data-requests/9001": [cursors[ledger]]}
    for path in bad:
        for cursor in (*bad.get(path, []), "A" * 3000, "nonsense", "e30", "e30.AAAA", "\u0663\u0664", "%"):
            code = refused(get(stack, path, cursor=cursor), (400, 404))
            assert code in {"invalid_cursor", "not_found"}, (path, cursor[:40], code)
    assert snapshot(stack, member_id) == before


ADMIN_POSTS = ["/admin/members/{id}/adjustments", "/admin/members/{id}/redemptions", "/admin/members/{id}/merge",
               "/admin/rewards", "/admin/reviews", "/admin/api-keys", "/admin/rules", "/admin/rules/dry-run"]
NOT_OUR_JSON = [b"[" * 10_000 + b"]" * 10_000, b'{"a":' * 10_000 + b"1" + b"}" * 10_000, b'{"points": NaN}',
                b'{"points": Infinity}', b'{"points": -Infinity}', b'{"points": 1e400}', b'{"points": 5, "points": 5}',
                b'\xff\xfe{"points": 5}', b'\xef\xbb\xbf{"points": 5}', b'{"points": 1' + b"0" * 5000 + b"}",
                '{"points": \u0665}'.encode(), b"{'points': 5}", b'{"points": 5,}', b""]


def test_deep_nesting_and_non_standard_json_are_invalid_json(stack: Stack, member: dict[str, Any],
                                                             before: tuple) -> None:
    for path in ADMIN_POSTS:
        for body in NOT_OUR_JSON:
            code = refused(post(stack, path.format(id=member["member_id"]), body), (400,))
            assert code == "invalid_json", (path, body[:30])
    assert snapshot(stack, member["member_id"]) == before


IMPOSSIBLE_REWARDS = [{"value": v} for v in ("1e400", "1E2", "NaN", "Infinity", "-Infinity", "100000.01", "5.001",
                                             "\u0665", "\uff15", "5_000", " 5", "+5", "0x10", "0")] + \
    [{"minimum_subtotal": v} for v in ("1e400", "\u0661\u0660", "-1", "100000.01")] + \
    [{"kind": "percentage", "value": v} for v in ("100.01", "1e1", "0")] + \
    [{"points_cost": v} for v in (10 ** 30, 1.5, -1, "10", True)]


def test_impossible_numbers_and_other_scripts_digits_are_refused(stack: Stack, member: dict[str, Any],
                                                                 before: tuple) -> None:
    for change in IMPOSSIBLE_REWARDS:
        body = {"name": "Odd", "kind": "fixed_amount", "value": "5.00", "points_cost": 10, **change}
        response = post(stack, "/admin/rewards", json.dumps(body))
        assert refused(response, (400,)) == "invalid_reward", change
        assert response.json()["error"]["message"].startswith(f"{list(change)[-1]}: "), change
    adjust = f"/admin/members/{member['member_id']}/adjustments"
    for points in (10 ** 30, 1.5, 0, True, "5", 10_000_001):
        refused(post(stack, adjust, json.dumps({"points": points, "reason": "x", "idempotency_key": "n-1"})), (400,))
    refused(post(stack, "/admin/reviews", json.dumps({"order_id": "\u0661\u0662\u0663"})), (400,))
    for name, value in (("shopify_customer_id", "\u0661\u0662\u0663"), ("hubspot_contact_id", "\uff11")):
        refused(get(stack, "/admin/members", **{name: value}), (400,))
    for limit in ("\u0665", "\uff15", "1e2", "0", "-1", "1.5", "9" * 5000):
        refused(get(stack, f"/admin/members/{member['member_id']}/ledger", limit=limit), (400,))
        refused(get(stack, "/admin/exports/members.csv", limit=limit), (400,))
    refused(get(stack, f"/admin/members/{member['member_id']}/ledger", limit="101"), (400,))
    refused(get(stack, "/admin/exports/members.csv", limit="1001"), (400,))
    assert snapshot(stack, member["member_id"]) == before


def test_lone_surrogates_and_control_characters_in_text_are_refused(stack: Stack, member: dict[str, Any],
                                                                    before: tuple) -> None:
    member_id = member["member_id"]
    other = "m_" + "b" * 24
    probes = [(f"/admin/members/{member_id}/adjustments",
               '{"points": 5, "reason": "%s", "idempotency_key": "s-1"}', "reason"),
              (f"/admin/members/{member_id}/adjustments",
               '{"points": 5, "reason": "ok", "idempotency_key": "%s"}', "idempotency_key"),
              ("/admin/rewards", '{"name": "%s", "kind": "free_shipping", "points_cost": 10}', "name"),
              ("/admin/api-keys", '{"name": "%s", "scopes": ["read"]}', "name"),
              (f"/admin/members/{member_id}/merge", '{"member_id": "' + other + '", "reason": "%s"}', "reason"),
              ("/admin/rules", '{"version": "%s"}', "version")]
    for path, template, field in probes:
        for text in (SURROGATE, "a" + SURROGATE + "b", "\\udfff", "\\u0000", "\\u001b[31m", "\\r=1"):
            response = post(stack, path, template.replace("%s", text))
            assert refused(response, (400,)) == "invalid_body", (path, text)
            assert response.json()["error"]["message"].startswith(f"{field}: "), (path, text)
    assert snapshot(stack, member_id) == before
    for name in ("members", "ledger"):
        export = get(stack, f"/admin/exports/{name}.csv")
        assert export.status_code == 200
        export.content.decode("utf-8")


def test_nothing_the_probes_sent_changed_anything(stack: Stack, member: dict[str, Any], before: tuple) -> None:
    assert snapshot(stack, member["member_id"]) == before
    assert get(stack, "/health").status_code == 200
