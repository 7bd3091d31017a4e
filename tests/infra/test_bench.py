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
from infra.bench import kinds, report
from infra.bench.costs import CostModel
from infra.bench.local import create_table, dynamodb_client
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

# The worker path today, read from chalicelib/adapters/dynamodb_ledger.py: `load_order` reads the order's account
# and the member's profile in one consistent BatchGetItem, `commit_order` writes the account, the profile update
# and the ledger entry in one TransactWriteItems. A change here is a change in the cost of every order.
ORDERS_PAID_CALLS = {"BatchGetItem": 1, "TransactWriteItems": 1}
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


@pytest.mark.timeout(30)
def test_a_tiny_run_on_moto_counts_exactly_the_round_trips_of_the_code(moto_table: Any) -> None:
    results = {r.kind: r for r in run_bench(*moto_table, list(kinds.KINDS), events=3, block=2,
                                            warm_up_iterations=2)}

    paid = results["orders/paid"]
    assert paid.cost.calls == Counter({op: 3 * n for op, n in ORDERS_PAID_CALLS.items()})
    assert paid.outcomes == Counter({"recorded": 3})
    # account + profile + entry, each under 1 KB, x2 in the transaction; the profile's email entry in GSI1
    assert (paid.per_event(paid.cost.items_written), paid.per_event(paid.cost.table_units),
            paid.per_event(paid.cost.index_units)) == (3, 6, 1)
    returning = results["orders/paid (returning customer)"]
    assert returning.cost.calls == paid.cost.calls
    duplicate = results["orders/paid (duplicate delivery)"]
    assert duplicate.cost.calls == Counter({op: 3 * n for op, n in DUPLICATE_CALLS.items()})
    assert (duplicate.cost.items_written, duplicate.cost.table_units) == (0, 0)
    assert paid.floor_iterations == 3
    assert paid.ratio > 0
    lines = report.table(results.values()).splitlines()
    assert len(lines) == 2 + len(kinds.KINDS)
    assert len({len(line) for line in lines}) == 1  # aligned
    assert not any(line.startswith("WARNING") for line in report.hot_keys(results.values()))
