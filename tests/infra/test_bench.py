"""The bench harness (infra/bench): item sizes by AWS's rules, write-unit arithmetic, and one tiny run on moto.

Expected sizes are worked out by hand below each case from "DynamoDB item sizes and formats": a value's size plus
its attribute name's UTF-8 bytes; S = UTF-8 bytes; N = one byte per pair of significant digits (pairs aligned on
the decimal point) + 1, + 1 if negative; B = raw bytes; BOOL/NULL = 1; sets = sum of elements;
L = 3 + sum(1 + element); M = 3 + sum(1 + key bytes + element).
"""
from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from moto import mock_aws

from chalicelib import bootstrap as composition
from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.adapters.dynamodb_due import FIRST_RUN_LOOKBACK
from chalicelib.adapters.dynamodb_orders import DUE_SHARDS
from infra.bench import campaigns_report, jobs_report, kinds, report
from infra.bench.__main__ import parse_args
from infra.bench.campaigns import campaign_scaling
from infra.bench.costs import CostModel
from infra.bench.jobs import job_scaling
from infra.bench.local import create_table, dynamodb_client
from infra.bench.population import due_indices, member_id
from infra.bench.recorder import Call
from infra.bench.runner import KindResult, run_bench
from infra.bench.sizes import (
    Index,
    index_write_units,
    item_size,
    item_write_units,
    number_size,
    value_size,
    write_units,
)
from infra.local.settings import program_settings

# The worker path today, read from chalicelib/adapters/dynamodb_ledger.py: `load_order` reads the order's account
# and the member's profile in one consistent BatchGetItem, `commit_order` writes the account, the profile update
# and the ledger entry in one TransactWriteItems. A change here is a change in the cost of every order.
# A customer seen for the first time is also looked up by email (one GSI1 Query: the same person may be known
# already, e.g. as a HubSpot contact); a customer already known costs the BatchGetItem and the transaction only.
ORDERS_PAID_CALLS = {"BatchGetItem": 1, "Query": 1, "TransactWriteItems": 1}
RETURNING_CALLS = {"BatchGetItem": 1, "TransactWriteItems": 1}
DUPLICATE_CALLS = {"BatchGetItem": 1}  # the account shows the order applied: nothing is written


@pytest.mark.parametrize(("item", "size"), [
    ({"name": {"S": "Ada"}}, 4 + 3),
    ({"n": {"S": "é€"}}, 1 + 2 + 3),                        # é is 2 UTF-8 bytes, € is 3
    ({"é": {"S": "x"}}, 2 + 1),                             # attribute names count in UTF-8 bytes too
    ({"s": {"S": ""}}, 1 + 0),
    ({"points": {"N": "150"}}, 6 + 3),                      # 1|50 → 2 pairs + 1
    ({"ok": {"BOOL": False}}, 2 + 1),
    ({"x": {"NULL": True}}, 1 + 1),
    ({"b": {"B": b"\x00\x01\x02"}}, 1 + 3),                 # raw bytes, not base64
    ({"ids": {"SS": ["a", "bc"]}}, 3 + 1 + 2),
    ({"ns": {"NS": ["1", "-1"]}}, 2 + 2 + 3),
    ({"bs": {"BS": [b"ab", b"c"]}}, 2 + 2 + 1),
    ({"m": {"M": {}}}, 1 + 3),
    ({"l": {"L": []}}, 1 + 3),
    ({"m": {"M": {"ab": {"S": "cd"}, "e": {"N": "12"}}}}, 1 + 3 + (1 + 2 + 2) + (1 + 1 + 2)),
    ({"l": {"L": [{"S": "ab"}, {"BOOL": False}]}}, 1 + 3 + (1 + 2) + (1 + 1)),
    # inner M {"x": 1} = 3 + (1 + 1 + 2) = 7; L = 3 + (1 + 7) + (1 + 1) = 13; outer M = 3 + (1 + 1 + 13) = 18
    ({"m": {"M": {"l": {"L": [{"M": {"x": {"N": "1"}}}, {"NULL": True}]}}}}, 1 + 18),
    ({"PK": {"S": "P#demo#M#m_1"}, "SK": {"S": "PROFILE"}, "points_balance": {"N": "150"},
      "identities": {"SS": ["shopify:shop:1"]}}, (2 + 12) + (2 + 7) + (14 + 3) + (10 + 14)),
])
def test_item_size_follows_the_aws_rules(item: dict[str, Any], size: int) -> None:
    assert item_size(item) == size


@pytest.mark.parametrize(("number", "size"), [
    ("0", 1), ("-0", 1), ("0.00", 1),                       # zero: the exponent byte only
    ("7", 2), ("12", 2), ("123", 3),                        # 01|23 → 2 pairs
    ("-123", 4),                                            # + 1 for the sign
    ("100", 2), ("1E+10", 2),                               # trailing zero pairs are trimmed
    ("1.5", 3), ("100.5", 4), ("9.99", 3), ("150.74", 4),   # 01.50 | 01 00.50 | 09.99 | 01 50.74
    ("0.001", 2), ("0.0015", 2),                            # .00|10 and .00|15: leading zero pairs trimmed
    ("5928371928374650123", 11), ("-12345678901234567890", 12),
])
def test_number_size_counts_digit_pairs(number: str, size: int) -> None:
    assert number_size(number) == size


def test_unknown_attribute_types_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown"):
        value_size({"X": "1"})
    with pytest.raises(ValueError, match="exactly one"):
        value_size({"S": "a", "N": "1"})


def test_write_units_per_started_kb_doubled_in_transactions() -> None:
    assert [write_units(n) for n in (1, 1024, 1025, 2048, 2049)] == [1, 1, 2, 2, 3]
    assert item_write_units(0, 500, transactional=False) == 1
    assert item_write_units(0, 500, transactional=True) == 2
    assert item_write_units(0, 1025, transactional=True) == 4
    assert item_write_units(2000, 10, transactional=False) == 2  # an update is priced on the larger side


GSI = Index("GSI1", ("GSI1PK", "GSI1SK"))
KEYS_ONLY = Index("Due", ("DUEPK", "DUESK"), "KEYS_ONLY")
TABLE_KEYS = ("PK", "SK")


def _item(pad: int, **extra: str) -> dict[str, Any]:
    return {"PK": {"S": "p"}, "SK": {"S": "s"}, "pad": {"S": "x" * pad}, **{k: {"S": v} for k, v in extra.items()}}


def test_index_writes_follow_the_gsi_rules() -> None:
    big = _item(1500, GSI1PK="a", GSI1SK="b")  # 4 + 1503 + 7 + 7 = 1521 bytes: 2 units
    assert index_write_units(None, big, GSI, TABLE_KEYS) == 2                          # new entry: a put
    assert index_write_units(None, _item(10), GSI, TABLE_KEYS) == 0                    # sparse: no entry
    assert index_write_units(big, _item(10, GSI1PK="a", GSI1SK="b"), GSI, TABLE_KEYS) == 2  # larger side
    assert index_write_units(big, _item(1500, GSI1PK="z", GSI1SK="b"), GSI, TABLE_KEYS) == 4  # delete + put
    assert index_write_units(big, _item(1500), GSI, TABLE_KEYS) == 2                   # key removed: a delete
    assert index_write_units(big, big, GSI, TABLE_KEYS) == 0
    due = _item(2000, DUEPK="d", DUESK="t")
    assert index_write_units(None, due, KEYS_ONLY, TABLE_KEYS) == 1                    # keys only: tiny entry
    assert index_write_units(due, _item(3000, DUEPK="d", DUESK="t"), KEYS_ONLY, TABLE_KEYS) == 0


class FakeReader:
    """The un-instrumented client: table description and read-backs of updated items."""

    def __init__(self, items: dict[str, dict[str, Any]]) -> None:
        self.items = items

    def describe_table(self, TableName: str) -> dict[str, Any]:  # noqa: N803 (boto3's argument names)
        return {"Table": {"KeySchema": [{"AttributeName": "PK"}, {"AttributeName": "SK"}],
                          "GlobalSecondaryIndexes": [{"IndexName": "GSI1", "Projection": {"ProjectionType": "ALL"},
                                                      "KeySchema": [{"AttributeName": "GSI1PK"},
                                                                    {"AttributeName": "GSI1SK"}]}]}}

    def get_item(self, TableName: str, Key: dict[str, Any], ConsistentRead: bool) -> dict[str, Any]:  # noqa: N803
        return {"Item": self.items[Key["PK"]["S"]]}


def test_cost_model_doubles_transactions_and_adds_index_writes() -> None:
    profile = {**_item(1500, GSI1PK="a", GSI1SK="b"), "PK": {"S": "member"}}  # 1526 bytes after the update
    model = CostModel(FakeReader({"member": profile}))
    fact = {**_item(100), "PK": {"S": "fact"}}
    transaction = Call("TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": "t", "Item": fact, "ConditionExpression": "attribute_not_exists(PK)"}},
        {"Update": {"TableName": "t", "Key": {"PK": {"S": "member"}, "SK": {"S": "s"}}, "UpdateExpression": "..."}},
        {"ConditionCheck": {"TableName": "t", "Key": {"PK": {"S": "x"}, "SK": {"S": "s"}}}},
    ]}, ok=True)
    cost = model.cost([Call("GetItem", {"TableName": "t", "ConsistentRead": True}, ok=True), transaction])
    assert (cost.items_written, cost.table_units, cost.index_units) == (2, 2 * 1 + 2 * 2, 2)
    assert cost.calls == Counter({"GetItem": 1, "TransactWriteItems": 1})
    assert cost.read_units == 1.0  # a consistent read of a missing item costs the minimum
    assert cost.partitions == Counter({"fact": 1, "member": 1, "GSI1 a": 1})

    plain = model.cost([Call("PutItem", {"TableName": "t", "Item": {**fact, "PK": {"S": "other"}}}, ok=True)])
    assert (plain.items_written, plain.table_units, plain.index_units) == (1, 1, 0)
    failed = model.cost([Call("TransactWriteItems", transaction.params, ok=False,
                              response={"Error": {"Code": "TransactionCanceledException"}})])
    assert (failed.items_written, failed.table_units, failed.failed_transactions) == (0, 0, 1)


def test_kinds_build_distinct_shopify_sized_ids() -> None:
    bodies = [json.loads(kinds.new_customer(i)["body"]) for i in range(3)]
    assert len({b["id"] for b in bodies}) == 3
    assert all(b["id"] > 2**53 and b["customer"]["id"] > 2**53 for b in bodies)
    returning = [json.loads(kinds.returning_customer(i)["body"])["customer"]["id"] for i in (0, 50, 51)]
    assert returning[0] == returning[1] != returning[2]
    assert set(kinds.new_customer(0)) == {"v", "source", "program_id", "shop", "topic", "webhook_id", "event_id",
                                          "triggered_at", "api_version", "received_at", "body"}


def test_warns_when_one_key_is_written_by_more_than_half_the_events() -> None:
    result = KindResult("hot", events=4, key_events=Counter({"P#demo#COUNTER": 3}),
                        key_writes=Counter({"P#demo#COUNTER": 3}))
    assert any(line.startswith("WARNING: hot:") for line in report.hot_keys([result]))
    result.key_events = Counter({"P#demo#COUNTER": 2})
    assert not any(line.startswith("WARNING") for line in report.hot_keys([result]))


@pytest.fixture
def moto_table() -> Any:
    with mock_aws():
        client, reader = dynamodb_client(None), dynamodb_client(None)
        yield client, reader, create_table(reader)
    composition.reset()


@pytest.mark.timeout(90)
def test_a_tiny_run_on_moto_counts_exactly_the_round_trips_of_the_code(moto_table: Any) -> None:
    results = {r.kind: r for r in run_bench(*moto_table, list(kinds.KINDS), events=3, block=2,
                                            warm_up_iterations=2)}

    paid = results["orders/paid"]
    assert paid.cost.calls == Counter({op: 3 * n for op, n in ORDERS_PAID_CALLS.items()})
    assert paid.outcomes == Counter({"recorded": 3})
    # account + profile + entry + the points-earned message + the journey event (first_time, active) + the day
    # counters, each under 1 KB, x2 in the transaction; index entries: the profile's email (GSI1), the account's and
    # the profile's Shop entries, the profile's Members entry, the message's Due entry. The local program has no CRM
    # connector, so no CRM sync mark (see the next test).
    assert (paid.per_event(paid.cost.items_written), paid.per_event(paid.cost.table_units),
            paid.per_event(paid.cost.index_units)) == (6, 12, 5)
    assert (paid.per_event(paid.cost.figure_items), paid.per_event(paid.cost.figure_units)) == (1, 2)
    returning = results["orders/paid (returning customer)"]
    assert returning.cost.calls == Counter({op: 3 * n for op, n in RETURNING_CALLS.items()})
    # a month later: another purchase day moves the journey (first_time → repeat), so the journey event comes back;
    # index entries: the account's Shop entry and the message's Due entry (the profile is filed already)
    later = results["orders/paid (returning customer a month later)"]
    assert later.cost.calls == Counter({op: 3 * n for op, n in RETURNING_CALLS.items()})
    assert (later.per_event(later.cost.items_written), later.per_event(later.cost.table_units),
            later.per_event(later.cost.index_units)) == (6, 12, 2)
    duplicate = results["orders/paid (duplicate delivery)"]
    assert duplicate.cost.calls == Counter({op: 3 * n for op, n in DUPLICATE_CALLS.items()})
    assert (duplicate.cost.items_written, duplicate.cost.table_units) == (0, 0)
    assert (duplicate.cost.figure_items, results["orders/paid (returning customer)"].cost.figure_units) == (0, 3 * 2)
    assert paid.floor_iterations == 3
    assert paid.ratio > 0
    lines = report.table(results.values()).splitlines()
    assert len(lines) == 2 + len(kinds.KINDS)
    assert len({len(line) for line in lines}) == 1  # aligned
    # No item is written by every event of a kind (with 3 events, "more than half" is too fine a test for the
    # 16 Shop shards).
    shared = {r.kind for r in results.values() if r.key_events and r.key_events.most_common(1)[0][1] == r.events}
    assert shared == set()


@pytest.mark.timeout(60)
def test_a_program_with_a_crm_connector_also_marks_the_member_for_the_sync(moto_table: Any,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", "pat-test")       # the local program, with a HubSpot connector
    [paid] = run_bench(*moto_table, ["orders/paid"], events=2, block=2, warm_up_iterations=2)

    # the mark, x2 in the transaction, and its Due entry, on top of the 6 items and 17 units above
    assert (paid.per_event(paid.cost.items_written), paid.per_event(paid.cost.table_units),
            paid.per_event(paid.cost.index_units)) == (7, 14, 6)


# The other topics, read from chalicelib/services/{orders,customers}.py and the adapters they call. A refund
# carries no customer: `load_order` reads the account alone (the member only under floor-at-zero), then one
# transaction writes account, entry and the member's ADDs. customers/create sets the contact (UpdateItem), looks
# the email up (Query: the same person may be known already), then `append` writes guard, profile and bonus in one
# transaction. An order's first fulfilment writes the account and
# its review request in one transaction (a later one would be one conditional PutItem).
NEW_KIND_CALLS = {
    "refunds/create": {"BatchGetItem": 1, "TransactWriteItems": 1},
    "orders/updated (refund carried again)": {"BatchGetItem": 1},
    "orders/cancelled": {"BatchGetItem": 1, "TransactWriteItems": 1},
    "orders/paid (refund arrived first)": {"BatchGetItem": 1, "Query": 1, "TransactWriteItems": 1},
    "customers/create": {"UpdateItem": 1, "Query": 1, "TransactWriteItems": 1},
    "customers_email_marketing_consent/update": {"UpdateItem": 1},
    "customers/redact": {"UpdateItem": 1, "Query": 1},     # the Query finds the member's survey comments to remove
    "fulfillments/create": {"BatchGetItem": 1, "TransactWriteItems": 1},
    "customers/data_request": {"PutItem": 1},
}


def test_refund_payloads_name_the_lines_of_their_order() -> None:
    refund = json.loads(kinds.refund(7)["body"])
    order = json.loads(kinds.SETUP["refunds/create"](8)[7]["body"])
    assert refund["order_id"] == order["id"]
    assert [r["line_item_id"] for r in refund["refund_line_items"]] == [line["id"] for line in order["line_items"][:2]]
    carried = json.loads(kinds.refund_carried_again(3)["body"])["refunds"][0]
    assert carried == json.loads(kinds.SETUP["orders/updated (refund carried again)"](4)[7]["body"])


def test_every_kind_draws_its_own_ids() -> None:
    envelopes = [build(i) for build in kinds.KINDS.values() for i in range(3)]
    envelopes += [e for setup in kinds.SETUP.values() for e in setup(3)]
    assert len({e["webhook_id"] for e in envelopes}) == len(envelopes)
    bodies = [json.loads(e["body"]) for e in envelopes]
    orders = [(e["topic"], b["id"]) for e, b in zip(envelopes, bodies, strict=True) if e["topic"] == "orders/paid"]
    assert len({order for _, order in orders}) == len(orders) - 3  # only the duplicate deliveries repeat an order


@pytest.mark.timeout(30)
def test_every_new_kind_runs_on_moto_with_the_round_trips_read_from_the_code(moto_table: Any) -> None:
    results = {r.kind: r for r in run_bench(*moto_table, list(NEW_KIND_CALLS), events=2, block=2,
                                            warm_up_iterations=2)}

    for kind, calls in NEW_KIND_CALLS.items():
        assert results[kind].cost.calls == Counter({op: 2 * n for op, n in calls.items()}), kind
    unchanged = results["orders/updated (refund carried again)"]
    assert unchanged.outcomes == Counter({"unchanged (already_applied)": 2})
    assert (unchanged.cost.items_written, unchanged.cost.table_units, unchanged.cost.index_units) == (0, 0, 0)
    assert results["customers/redact"].outcomes == Counter({"recorded (customers/redact)": 2})
    assert results["customers/data_request"].outcomes == Counter({"recorded (data_request)": 2})
    for kind in set(NEW_KIND_CALLS) - {"orders/updated (refund carried again)", "customers/redact",
                                       "customers/data_request"}:
        assert results[kind].outcomes == Counter({"recorded": 2}), kind
        assert results[kind].cost.items_written >= 2, kind


# expire_inactive, read from chalicelib/services/jobs.py and adapters/dynamodb_due.py: the rules (one Query, then
# cached), the cursor (GetItem), one Query per day and shard of the Due index from the cursor to today (a week back
# on the first run), when something is due the task's failure records (one Query: parked items are skipped, a
# success clears earlier failures), per due member its profile (GetItem) and one transaction, then the cursor
# (UpdateItem; in the steady state it fails its condition, as the cursor is already at today).
FIRST_RUN_DAYS = FIRST_RUN_LOOKBACK.days + 1


@pytest.mark.timeout(60)
def test_job_cost_does_not_follow_the_population_and_expires_exactly_the_due_members(moto_table: Any) -> None:
    client, reader, table = moto_table
    scaling = job_scaling(client, reader, table, sizes=(5, 50), due=2, threads=1)

    first = [r for r in scaling.runs if r.run == "first"]
    steady = [r for r in scaling.runs if r.run == "steady state"]
    assert [r.population for r in steady] == [5, 50]
    assert steady[0].calls == steady[1].calls == Counter({"Query": DUE_SHARDS, "GetItem": 1, "UpdateItem": 1})
    assert first[0].calls == first[1].calls == Counter({"Query": 2 + FIRST_RUN_DAYS * DUE_SHARDS, "GetItem": 1 + 2,
                                                        "TransactWriteItems": 2, "UpdateItem": 1})
    assert [(r.done, r.failed) for r in scaling.runs] == [(2, 0), (0, 0), (2, 0), (0, 0)]
    # per due member: profile, expire entry, due item deleted and the expiry day's counters (no CRM sync mark: the
    # local program has no connector); then the cursor
    assert [r.items_written for r in first] == [2 * 4 + 1] * 2
    assert [r.items_written for r in steady] == [0, 0]
    assert scaling.steady_ratio() == 1.0

    program = program_settings({})
    due = set(due_indices(50, 2))
    for n in range(50):  # the table now holds the 50-member population
        member = member_id(program.program_id, program.shop_domain, n)
        key = {"PK": {"S": keys.member_pk(program.program_id, member)}, "SK": {"S": keys.PROFILE}}
        profile = reader.get_item(TableName=table, Key=key)["Item"]
        due_item = reader.get_item(TableName=table, Key={**key, "SK": {"S": "DUE#inactivity"}}).get("Item")
        assert (profile["points_balance"]["N"] == "0") == (n in due), n
        assert (due_item is None) == (n in due), n
    lines = jobs_report.job_table(scaling).splitlines()
    assert len(lines) == 2 + 4
    assert len({len(line) for line in lines}) == 1  # aligned
    assert jobs_report.job_lines(scaling)[-1].startswith("Steady-state round trips, 50 members / 5 members: 1.00")


# run_campaigns, read from chalicelib/services/campaign_run.py: the Due index as for expire_inactive (the cursor, one
# Query per day and shard, the failure records when something is due, the cursor's UpdateItem), the campaign once per
# run (GetItem), per due enrollment its item and the member's profile (GetItem each), the step's message (PutItem)
# and the enrollment moved on to its 7-day wait (UpdateItem). Nothing is due on the second run at the same time.
@pytest.mark.timeout(60)
def test_campaign_run_cost_follows_the_steps_due_not_the_population(moto_table: Any) -> None:
    client, reader, table = moto_table
    scaling = campaign_scaling(client, reader, table, sizes=(5, 50), due=2, threads=1)

    first = [r for r in scaling.runs if r.run == "first"]
    steady = [r for r in scaling.runs if r.run == "steady state"]
    assert [r.population for r in first] == [5, 50]
    assert first[0].calls == first[1].calls == Counter({"Query": 1 + FIRST_RUN_DAYS * DUE_SHARDS, "GetItem": 2 + 2 * 2,
                                                        "PutItem": 2, "UpdateItem": 2 + 1})
    assert steady[0].calls == steady[1].calls == Counter({"Query": DUE_SHARDS, "GetItem": 1, "UpdateItem": 1})
    assert [(r.done, r.failed) for r in scaling.runs] == [(2, 0), (0, 0), (2, 0), (0, 0)]
    assert [r.items_written for r in first] == [2 * 2 + 1] * 2     # per due member message, enrollment; cursor
    assert [r.items_written for r in steady] == [0, 0]

    program = program_settings({})
    for n in due_indices(50, 2):  # the table now holds the 50-member population
        member = member_id(program.program_id, program.shop_domain, n)
        messages = composition.get_outbox().messages(program.program_id, member)
        sent = [m for m in messages if m.kind == "campaign_message"]
        assert len(sent) == 1, n
    assert len(campaigns_report.table(scaling).splitlines()) == 2 + 4
    assert campaigns_report.lines(scaling)[-2:] == [
        "First campaign run round trips (2 steps due), 50 members / 5 members: 1.00 (expected about 1.0: the cost "
        "follows the steps due)",
        "Campaign run round trips, 50 members / 5 members: 1.00 (expected about 1.0: steady state, never the number "
        "of members)"]
    assert campaigns_report.as_json(scaling)["first_run_round_trip_ratio"] == 1.0


def test_jobs_section_is_on_by_default_and_can_be_left_out() -> None:
    assert parse_args([]).jobs is True
    assert parse_args(["--no-jobs", "--kinds", "customers/redact"]).jobs is False


def test_reading_the_figures_costs_the_same_round_trips_for_any_period_and_shop(moto_table: Any) -> None:
    from infra.bench import analytics

    cases = analytics.analytics_costs(*moto_table, sizes=(4, 40), periods=(30, 90), history_days=150)
    reads = [c for c in cases if c.label.endswith("days")]
    assert {c.round_trips for c in reads} == {8 + 1 + 2}     # a Query per counter shard, the month totals, feedback
    small = {c.label: c.read_units for c in reads if c.orders_a_day == 4}
    # the days read: the period, the one before it (and its own previous one, for its retention), and back to the
    # end of a month settled 62 days before today: the units follow the days asked for beyond that
    assert small["30 days"] < small["90 days"]
