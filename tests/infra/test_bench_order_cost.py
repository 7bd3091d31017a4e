"""`make bench`'s cost of 100,000 orders, on a moto server on the loopback (DynamoDB included): what each intake
uses per order, counted on the real handlers, and the arithmetic that prices it."""
from __future__ import annotations

import os
from collections import Counter
from unittest import mock

import pytest
from moto import mock_aws

from chalicelib import bootstrap
from infra.bench.__main__ import parse_args
from infra.bench.local import create_table, dynamodb_client
from infra.bench.order_cost import Usage, order_costs
from infra.bench.order_cost_report import lines, table, total
from infra.bench.runner import run_bench

pytestmark = [pytest.mark.local_stack, pytest.mark.timeout(170)]

ORDERS, SINGLES = 10, 2      # one full batch of the worker's 10 per intake, and two batches of one
# $ per 100,000 orders for one unit per order, from practice.md section 12 worked by hand
PER_UNIT = {"API Gateway requests": 0.35, "EventBridge events": 0.10, "Lambda requests, api_handler": 0.02,
            "Lambda requests, handle_ingest": 0.02, "SQS requests": 0.04, "DynamoDB write units": 0.0625,
            "DynamoDB read units": 0.0125, "CloudWatch Logs KB (the app's lines)": 0.05,
            "Lambda billed ms, api_handler (256 MB)": 0.0000166667 * 0.25 / 1000 * 100_000,
            "Lambda billed ms, handle_ingest (512 MB)": 0.0000166667 * 0.5 / 1000 * 100_000}


@pytest.fixture(scope="module")
def usages() -> dict[tuple[str, str], Usage]:
    with mock.patch.dict(os.environ):         # the app's stage environment stays in this module
        measured = order_costs(orders=ORDERS, singles=SINGLES, warm_up=1)
    return {(u.intake, u.batching): u for u in measured}


@pytest.fixture(scope="module")
def per_kind() -> dict[str, Counter[str]]:
    """The worker bench's own figures for the mix's two kinds of order (in-memory moto), per event."""
    mixed = ["orders/paid", "orders/paid (returning customer a month later)"]
    with mock_aws():
        client, reader = dynamodb_client(None), dynamodb_client(None)
        results = run_bench(client, reader, create_table(reader), mixed, events=2, block=2, warm_up_iterations=2)
    bootstrap.reset()
    return {r.kind: Counter(calls=r.per_event(sum(r.cost.calls.values())), reads=r.per_event(r.cost.read_units),
                            writes=r.per_event(r.cost.table_units + r.cost.index_units)) for r in results}


def test_eventbridge_intake_has_no_api_gateway_and_no_ingress_function(usages):
    for (intake, _), usage in usages.items():
        names = {line.name: line.per_order for line in lines(usage)}
        if intake == "EventBridge":
            assert not [name for name in names if "API Gateway" in name or "api_handler" in name]
            assert names["EventBridge events"] == 1
        else:
            assert names["API Gateway requests"] == names["Lambda requests, api_handler"] == 1
            assert "EventBridge events" not in names
            assert names["Lambda billed ms, api_handler (256 MB)"] >= 1


def test_the_worker_takes_full_batches_over_a_backlog_and_one_message_otherwise(usages):
    for intake in ("HTTPS", "EventBridge"):
        backlog, quiet = usages[intake, "backlog"], usages[intake, "one at a time"]
        assert (backlog.orders, backlog.batches) == (ORDERS, Counter({10: 1}))
        assert (quiet.orders, quiet.batches) == (SINGLES, Counter({1: SINGLES}))
        # a send per order (the API function's or EventBridge's), a receive and a delete per batch
        assert backlog.sqs["SendMessage"] == ORDERS
        assert backlog.sqs["DeleteMessageBatch"] == 1
        assert backlog.sqs["ReceiveMessage"] >= 1
        assert quiet.sqs == Counter({"SendMessage": SINGLES, "ReceiveMessage": SINGLES, "DeleteMessageBatch": SINGLES})
        assert backlog.other_calls == quiet.other_calls == Counter()   # warm caches: no SSM, Secrets Manager, S3


def test_each_line_is_its_units_times_the_list_price_and_the_total_their_sum(usages):
    for usage in usages.values():
        found = lines(usage)
        for line in found:
            assert line.dollars == pytest.approx(line.per_order * PER_UNIT[line.name]), line.name
        assert total(usage) == pytest.approx(sum(line.per_order * PER_UNIT[line.name] for line in found))


def test_dynamodb_units_per_order_are_the_worker_benchs_for_the_same_mix_less_the_notice(usages, per_kind):
    mix = {name: (per_kind["orders/paid"][name] + per_kind["orders/paid (returning customer a month later)"][name])
           / 2 for name in ("calls", "reads", "writes")}
    for usage in usages.values():
        d = usage.dynamodb
        assert usage.per_order(sum(d.calls.values())) == pytest.approx(mix["calls"])
        # the cost section's program sends no notices: each order writes no points-earned message (2 units in the
        # transaction) and no Due entry for it (1), which the worker bench's program does
        assert usage.per_order(d.table_units + d.index_units) == pytest.approx(mix["writes"] - 3)
        assert usage.per_order(d.read_units) == pytest.approx(mix["reads"])


def test_the_table_prints_both_intakes_side_by_side_with_the_target_ratio(usages):
    printed = table(list(usages.values())).splitlines()
    assert [cell.strip() for cell in printed[0].split("|")[3:7]] == [
        "HTTPS", "EventBridge", "HTTPS, one at a time", "EventBridge, one at a time"]
    ratio = next(line for line in printed if "target" in line)
    assert f"{total(usages['EventBridge', 'backlog']):.2f}" in ratio
    assert len({len(line) for line in printed}) == 1      # aligned


def test_the_section_is_on_by_default_and_can_be_left_out():
    assert parse_args([]).cost is True
    assert parse_args(["--no-cost"]).cost is False
