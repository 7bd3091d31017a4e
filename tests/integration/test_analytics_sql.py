"""The analytics SQL (infra/analytics) on DuckDB over an export of a table the app filled: orders through signed
webhooks and the worker, an adjustment and a redemption through the admin API, on moto.

The export is written by the local exporter (a FULL export in AWS's layout); later changes are added as an
INCREMENTAL export (new images and a deletion, in AWS's incremental line shape). What the views say must equal what
Python computes from the table's final items, and what the API says of each member.
"""
import gzip
import json
from collections import Counter, defaultdict
from datetime import UTC, datetime

import pytest
from boto3.dynamodb.types import TypeDeserializer
from chalice.test import Client

from chalicelib import bootstrap
from infra.analytics import query
from infra.analytics.local_export import export_table, scan_items
from tests.factories import load_event, make_order
from tests.fakes import FixedClock
from tests.integration.queues import deliver

ADMIN = {"Authorization": "Bearer local-admin-key", "Content-Type": "application/json"}
NOON = datetime(2026, 11, 23, 12, tzinfo=UTC)
TABLE = "loyalty-local"
PLAIN = TypeDeserializer()


@pytest.fixture
def client(aws):
    import app
    bootstrap.override("clock", FixedClock(NOON))
    with Client(app.app, stage_name="local") as client:
        yield client


def customer(number):
    base = load_event("shopify/orders-paid.2026-04")["customer"]
    return {**base, "id": 7390012345678900000 + number, "email": f"customer{number}@example.com",
            "first_name": f"C{number}",
            "admin_graphql_api_id": f"gid://shopify/Customer/{7390012345678900000 + number}"}


def order(client, aws, number, who, paid="2026-11-20T10:15:02-05:00"):
    deliver(client, aws, "orders/paid", make_order(id=5928371928374600000 + number, name=f"#{1000 + number}",
                                                   customer=customer(who), processed_at=paid),
            f"o{number}", require=True)


def member_id(client, who):
    [member] = client.http.get(f"/admin/members?email=customer{who}@example.com", headers=ADMIN).json_body["members"]
    return member["member_id"]


def plain(item):
    return {k: PLAIN.deserialize(v) for k, v in item.items()}


def keyed(items):
    return {(i["PK"]["S"], i["SK"]["S"]): i for i in items}


def write_incremental(before, after, root, micros):
    """The changes between two scans as one INCREMENTAL export data file (NEW_IMAGE view: deletions carry keys)."""
    folder = root / "incremental" / "AWSDynamoDB" / "data"
    folder.mkdir(parents=True)
    lines = []
    for key, item in after.items():
        if before.get(key) != item:
            lines.append({"Metadata": {"WriteTimestampMicros": {"N": str(micros)}},
                          "Keys": {"PK": item["PK"], "SK": item["SK"]}, "NewImage": item})
    for key in before.keys() - after.keys():
        lines.append({"Metadata": {"WriteTimestampMicros": {"N": str(micros)}},
                      "Keys": {"PK": {"S": key[0]}, "SK": {"S": key[1]}}})
    (folder / "changes.json.gz").write_bytes(gzip.compress("".join(json.dumps(x) + "\n" for x in lines).encode()))
    return len(lines)


def rows(root, sql):
    columns, found = query.run(root, sql)
    return [dict(zip(columns, row, strict=True)) for row in found]


def test_the_views_over_a_full_and_an_incremental_export_agree_with_the_table_and_the_api(client, aws, tmp_path):
    ddb = aws.client("dynamodb")
    order(client, aws, 1, who=1)
    order(client, aws, 2, who=1, paid="2026-12-02T09:00:00+00:00")
    order(client, aws, 3, who=2)
    ada, bob = member_id(client, 1), member_id(client, 2)
    assert client.http.post(f"/admin/members/{ada}/adjustments", headers=ADMIN, body=json.dumps(
        {"points": 400, "reason": "goodwill", "idempotency_key": "adj-1"})).status_code in (200, 201)
    reward = client.http.post("/admin/rewards", headers=ADMIN, body=json.dumps(
        {"name": "$10 off", "kind": "fixed_amount", "value": "10.00", "points_cost": 300})).json_body["reward_id"]
    assert client.http.post(f"/admin/members/{ada}/redemptions", headers=ADMIN, body=json.dumps(
        {"reward_id": reward, "idempotency_key": "red-1"})).status_code == 201

    export_table(ddb, TABLE, tmp_path, NOON)
    before = keyed(scan_items(ddb, TABLE))
    order(client, aws, 4, who=2, paid="2026-12-05T09:00:00+00:00")      # after the full export: bob orders again
    message = next(k for k, i in keyed(scan_items(ddb, TABLE)).items() if i.get("type", {}).get("S") == "message")
    ddb.delete_item(TableName=TABLE, Key={"PK": {"S": message[0]}, "SK": {"S": message[1]}})
    after = keyed(scan_items(ddb, TABLE))
    assert write_incremental(before, after, tmp_path, micros=int(NOON.timestamp() * 1_000_000) + 1) > 0

    items = [plain(i) for i in after.values()]
    entries = [i for i in items if i.get("type") == "entry"]
    profiles = {i["member_id"]: i for i in items if i["SK"] == "PROFILE" and "#M#" in i["PK"]}
    orders = [i for i in items if i.get("type") == "order"]

    # points by month, from the entries
    wanted: dict[str, Counter] = defaultdict(Counter)
    for e in entries:
        moved = int(e.get("points", 0)) + int(e.get("pending_points", 0))
        month = wanted[e["recorded_at"][:7]]
        month["net_change"] += moved
        if e["kind"] in ("earn", "pending_earn", "bonus"):
            month["issued"] += moved
        elif e["kind"] in ("redeem", "expire", "reverse"):
            month[{"redeem": "redeemed", "expire": "expired", "reverse": "reversed"}[e["kind"]]] -= moved
        elif e["kind"] == "adjust":
            month["adjusted"] += moved
    found = {r["month"]: r for r in rows(tmp_path, "SELECT * FROM points_by_month")}
    assert set(found) == set(wanted)
    for month, counts in wanted.items():
        for column in ("issued", "reversed", "redeemed", "expired", "adjusted", "net_change"):
            assert found[month][column] == counts[column], (month, column)
    assert sum(c["redeemed"] for c in wanted.values()) == 300
    assert sum(c["adjusted"] for c in wanted.values()) == 400

    # outstanding points: the profiles' balances, the ledger's sum, and the API's balances all agree
    [outstanding] = rows(tmp_path, "SELECT * FROM outstanding_points")
    spendable = sum(int(p.get("points_balance", 0)) for p in profiles.values())
    pending = sum(int(p.get("pending_points", 0)) for p in profiles.values())
    assert (outstanding["spendable_points"], outstanding["pending_points"]) == (spendable, pending)
    assert outstanding["outstanding_points"] == sum(int(e.get("points", 0)) + int(e.get("pending_points", 0))
                                                    for e in entries)
    members = {r["member_id"]: r for r in rows(tmp_path, "SELECT * FROM members")}
    assert set(members) == set(profiles) == {ada, bob}
    for mid in (ada, bob):
        api = client.http.get(f"/admin/members/{mid}", headers=ADMIN).json_body
        assert (members[mid]["points_balance"], members[mid]["pending_points"]) == (api["points_balance"],
                                                                                     api["pending_points"])
        assert "email" not in members[mid]

    # orders and repeat customers (bob's second order came in the incremental export)
    assert len(rows(tmp_path, "SELECT * FROM orders")) == len(orders) == 4
    cohorts = rows(tmp_path, "SELECT * FROM repeat_customers_by_cohort")
    first_months = {mid: min(o["paid_at"][:7] for o in orders if o.get("member_id") == mid) for mid in (ada, bob)}
    assert sum(c["customers"] for c in cohorts) == 2
    assert sum(c["repeat_customers"] for c in cohorts) == 2
    assert {c["first_order_month"] for c in cohorts} == set(first_months.values())

    # the deleted message is gone; the personal data is in members_contact only
    assert len(rows(tmp_path, "SELECT * FROM messages")) == sum(1 for i in items if i.get("type") == "message")
    contacts = {r["member_id"]: r["email"] for r in rows(tmp_path, "SELECT * FROM members_contact")}
    assert contacts == {ada: "customer1@example.com", bob: "customer2@example.com"}


def test_the_local_export_has_aws_layout_and_line_format(client, aws, tmp_path):
    order(client, aws, 1, who=1)
    folder = export_table(aws.client("dynamodb"), TABLE, tmp_path, NOON)
    assert folder.parent == tmp_path / "AWSDynamoDB"
    assert folder.name.startswith(f"{int(NOON.timestamp() * 1000):014d}-")
    summary = json.loads((folder / "manifest-summary.json").read_text())
    files = [json.loads(line) for line in (folder / "manifest-files.json").read_text().splitlines()]
    assert (summary["outputFormat"], summary["exportType"], summary["exportTime"]) == (
        "DYNAMODB_JSON", "FULL_EXPORT", "2026-11-23T12:00:00.000Z")
    assert summary["itemCount"] == sum(f["itemCount"] for f in files) == len(list(scan_items(aws.client("dynamodb"),
                                                                                                TABLE)))
    lines = [json.loads(line) for f in files for line in gzip.decompress((tmp_path / f["dataFileS3Key"]).read_bytes())
             .decode().splitlines()]
    assert len(lines) == summary["itemCount"]
    assert all(list(line) == ["Item"] for line in lines)
    assert all(f["dataFileS3Key"].startswith(f"AWSDynamoDB/{folder.name}/data/") and f["dataFileS3Key"].endswith(
        ".json.gz") for f in files)
    assert (folder / "_started").exists()
