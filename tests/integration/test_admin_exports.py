"""CSV exports through the admin API on moto: pages joined equal the whole set, cursors refused when altered."""
import csv
import io
import json
import re

import pytest
from chalice.test import Client

from tests.factories import load_event, make_order
from tests.integration.queues import drain, post_webhook

ADMIN = {"Authorization": "Bearer local-admin-key"}
CUSTOMERS = 7


@pytest.fixture
def client(aws):
    import app
    with Client(app.app, stage_name="local") as client:
        yield client


@pytest.fixture
def shop(client, aws):
    """Seven customers with a signup bonus; three of them paid an order; one was redacted; one has a formula name."""
    base = load_event("shopify/customers-create.2026-04")
    for i in range(CUSTOMERS):
        name = "=HYPERLINK(\"http://evil\")" if i == 4 else f"Customer {i}"
        post_webhook(client, "customers/create",
                     {**base, "id": 1000 + i, "email": f"c{i}@example.com", "first_name": name}, f"c{i}")
    drain(client, aws)
    for i in range(3):
        order = make_order(id=5000 + i)
        order["customer"] = {**order["customer"], "id": 1000 + i, "email": f"c{i}@example.com"}
        post_webhook(client, "orders/paid", order, f"o{i}")
    redact = load_event("shopify/customers-redact.2026-04")
    post_webhook(client, "customers/redact", {**redact, "customer": {"id": 1006, "email": "c6@example.com"},
                                             "orders_to_redact": []}, "r6")
    drain(client, aws)


def pages(client, path, limit):
    """Every page of an export: (csv rows without the header, response) for each."""
    found, url = [], f"{path}?limit={limit}"
    while url:
        response = client.http.get(url, headers=ADMIN)
        assert response.status_code == 200, response.body
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        header, *rows = csv.reader(io.StringIO(response.body.decode()))
        found.append((header, rows, response))
        link = response.headers.get("Link")
        if link is None:
            assert "X-Next-Cursor" not in response.headers
            break
        target = re.fullmatch(r'<([^>]+)>; rel="next"', link).group(1)
        assert target.startswith(path.rsplit("/", 1)[1] + "?")
        assert f"cursor={response.headers['X-Next-Cursor']}" in target
        url = path.rsplit("/", 1)[0] + "/" + target
    return found


def test_member_pages_joined_equal_every_member_once(client, shop):
    found = pages(client, "/admin/exports/members.csv", 3)
    assert [len(rows) for _, rows, _ in found] == [3, 3, 1]
    assert all(header[:3] == ["member_id", "email", "first_name"] for header, _, _ in found)
    rows = [row for _, page, _ in found for row in page]
    by_email = {row[1]: row for row in rows}
    assert len(rows) == CUSTOMERS == len({row[0] for row in rows})
    assert set(by_email) == {f"c{i}@example.com" for i in range(6)} | {""}
    assert by_email["c0@example.com"][3:7] == ["250", "0", "250", "member"]
    assert by_email["c4@example.com"][2] == "'=HYPERLINK(\"http://evil\")"
    erased = by_email[""]
    assert (erased[2], erased[10] != "") == ("", True)
    stage, state = found[0][0].index("journey_stage"), found[0][0].index("journey_state")
    assert (by_email["c0@example.com"][stage], by_email["c0@example.com"][state]) == ("first_time", "active")
    assert (by_email["c3@example.com"][stage], by_email["c3@example.com"][state]) == ("prospect", "")


def test_ledger_pages_joined_equal_every_entry_member_by_member(client, shop):
    found = pages(client, "/admin/exports/ledger.csv", 3)
    rows = [row for _, page, _ in found for row in page]
    assert [len(page) for _, page, _ in found] == [3, 3, 3, 1]
    assert len(rows) == CUSTOMERS + 3 == len({row[1] for row in rows})
    assert sorted(row[2] for row in rows) == ["bonus"] * CUSTOMERS + ["earn"] * 3
    members = [row[0] for row in rows]
    assert members == sorted(members, key=members.index)          # each member's entries together
    assert len(set(members)) == CUSTOMERS
    earn = next(row for row in rows if row[2] == "earn")
    assert (earn[3], earn[7], json.loads(earn[9])["shop"]) == ("150", "default-1", "demo-shop.myshopify.com")
    whole = pages(client, "/admin/exports/ledger.csv", 1000)
    assert [row for _, page, _ in whole for row in page] == rows


def test_a_single_page_has_no_next_link(client, shop):
    [(_, rows, response)] = pages(client, "/admin/exports/members.csv", 1000)
    assert len(rows) == CUSTOMERS
    assert "Link" not in response.headers


@pytest.mark.parametrize("path", ["/admin/exports/members.csv", "/admin/exports/ledger.csv"])
def test_an_altered_cursor_or_bad_limit_is_400_in_the_contract_shape(client, shop, path):
    cursor = client.http.get(f"{path}?limit=2", headers=ADMIN).headers["X-Next-Cursor"]
    for query in (f"cursor={cursor[:-3]}x!y", f"cursor={cursor[::-1]}", "cursor=" + "A" * 3000, "limit=0",
                  "limit=1001", "limit=abc"):
        response = client.http.get(f"{path}?{query}", headers=ADMIN)
        assert response.status_code == 400, query
        assert response.json_body["error"]["code"] in {"invalid_cursor", "invalid_query"}
    other = "/admin/exports/ledger.csv" if "members" in path else "/admin/exports/members.csv"
    assert client.http.get(f"{other}?cursor={cursor}", headers=ADMIN).json_body["error"]["code"] == "invalid_cursor"


def test_exports_need_a_key(client):
    response = client.http.get("/admin/exports/members.csv")
    assert (response.status_code, response.json_body["error"]["code"]) == (401, "unauthorized")


def test_an_empty_program_exports_just_the_header(client):
    response = client.http.get("/admin/exports/ledger.csv", headers=ADMIN)
    assert response.status_code == 200
    assert response.body.decode() == ("member_id,entry_id,kind,points,pending_points,occurred_at,recorded_at,"
                                      "rule_version,reason,source\r\n")
