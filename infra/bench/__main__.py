"""`make bench`: DynamoDB round trips, estimated write units and throughput of the worker path, per event kind;
then the cost of a due-work job and of the campaign job over a small and a large member population; then the
nightly journey run over 10,000 members (and 100,000 with --journey-large or BENCH_JOURNEY_LARGE=1); then the cost
of a forged HubSpot batch beside a genuine one on the ingress path; then the cost of 100,000 orders, HTTPS intake
beside EventBridge intake; then what `import app` costs a cold start beside `import boto3`.

Run: python -m infra.bench [--events N] [--kinds k1,k2] [--no-jobs] [--no-journey] [--journey-large] [--no-ingress]
                           [--no-cost] [--cost-orders N] [--no-cold-start] [--verbose] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from infra.bench import (
    analytics,
    campaigns_report,
    cold_start,
    ingress,
    jobs_report,
    journey_report,
    order_cost,
    order_cost_report,
    report,
)
from infra.bench.campaigns import campaign_scaling
from infra.bench.jobs import Scaling, job_scaling
from infra.bench.journey import LARGE_ENV, JourneyResults, journey_costs
from infra.bench.kinds import KINDS
from infra.bench.local import create_table, dynamodb_client, dynamodb_local
from infra.bench.runner import KindResult, run_bench


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m infra.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200, help="events per kind (default 200)")
    parser.add_argument("--kinds", default=",".join(KINDS),
                        help=f"comma-separated kinds (default all: {', '.join(KINDS)})")
    parser.add_argument("--block", type=int, default=25, help="events per interleaved floor/kind block")
    parser.add_argument("--jobs", action=argparse.BooleanOptionalAction, default=True,
                        help="also run the due-work and campaign job scaling sections (default on)")
    parser.add_argument("--journey", action=argparse.BooleanOptionalAction, default=True,
                        help="also run the nightly journey run over 10,000 members (default on, about 2 minutes)")
    parser.add_argument("--journey-large", action=argparse.BooleanOptionalAction, default=None,
                        help=f"also over 100,000 members (about 15 more minutes; default: {LARGE_ENV}=1 in the "
                             "environment)")
    parser.add_argument("--analytics", action=argparse.BooleanOptionalAction, default=True,
                        help="also measure reading the program's figures over two years of day counters (default on)")
    parser.add_argument("--ingress", action=argparse.BooleanOptionalAction, default=True,
                        help="also compare a forged HubSpot batch with a genuine one on the ingress path (default on)")
    parser.add_argument("--cost", action=argparse.BooleanOptionalAction, default=True,
                        help="also measure the cost of 100,000 orders through each intake, HTTPS and EventBridge "
                             "(default on, under 30 s)")
    parser.add_argument("--cost-orders", type=int, default=60,
                        help="orders per intake over a backlog in the cost section (default 60; a sixth as many "
                             "one at a time)")
    parser.add_argument("--cold-start", action=argparse.BooleanOptionalAction, default=True,
                        help="also time `import app` beside `import boto3` in fresh interpreters (default on)")
    parser.add_argument("--verbose", action="store_true",
                        help="also break costs down by operation, and ask DynamoDB for its own ConsumedCapacity")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    args.kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = [k for k in args.kinds if k not in KINDS]
    if unknown or args.events < 1 or args.block < 1 or args.cost_orders < 2:
        parser.error(f"unknown kind {unknown[0]!r}" if unknown else
                     "--events and --block must be at least 1, --cost-orders at least 2")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind, so DynamoDB Local is stopped too
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    started = time.monotonic()
    imports = cold_start.cold_start() if args.cold_start else None    # first: before DynamoDB Local loads the machine
    scaling: Scaling | None = None
    campaigns: Scaling | None = None
    journeys: JourneyResults | None = None
    with dynamodb_local() as endpoint:
        client, reader = dynamodb_client(endpoint), dynamodb_client(endpoint)
        table = create_table(reader)
        results = run_bench(client, reader, table, args.kinds, args.events, args.block, ask_capacity=args.verbose)
        usages = order_cost.order_costs(endpoint, args.cost_orders, max(2, args.cost_orders // 6)) \
            if args.cost else []  # its own clients, recorders and id blocks, on a moto server for the rest of AWS
        if args.jobs:  # last: it resets the table; its own clients, so the worker's recorder stays out of it
            scaling = job_scaling(dynamodb_client(endpoint), dynamodb_client(endpoint), table)
            campaigns = campaign_scaling(dynamodb_client(endpoint), dynamodb_client(endpoint), table)
        if args.journey:  # after the jobs: it resets the table too; its own clients and recorder
            journeys = journey_costs(dynamodb_client(endpoint), dynamodb_client(endpoint), table, args.journey_large)
        reads = analytics.analytics_costs(dynamodb_client(endpoint), dynamodb_client(endpoint), table) \
            if args.analytics else []
    ingress_cases = ingress.ingress_costs() if args.ingress else []     # last: rebuilds the composition root on moto
    meta = {"backend": f"DynamoDB Local (in memory) at {endpoint}, table {table}", "events_per_kind": args.events,
            "block": args.block, "python": platform.python_version(), "cpus": os.cpu_count(),
            "seconds": round(time.monotonic() - started, 1)}
    print_kinds(args, meta, results)
    if scaling is not None:
        print(f"\n{jobs_report.NOTE}\n")
        print(jobs_report.job_table(scaling))
        print("\n".join(["", *jobs_report.job_lines(scaling)]))
    if campaigns is not None:
        print(f"\n{campaigns_report.NOTE}\n")
        print(campaigns_report.table(campaigns))
        print("\n".join(["", *campaigns_report.lines(campaigns)]))
    if journeys is not None:
        print(f"\n{journey_report.NOTE}\n")
        print(journey_report.table(journeys))
        print("\n".join(["", *journey_report.lines(journeys), *journey_report.award_lines(results)]))
    if reads:
        print(f"\n{analytics.NOTE}\n")
        print(analytics.table(reads))
    print_costs(ingress_cases, usages, imports)
    if args.json:
        out = report.as_json(results, meta) | ({"jobs": jobs_report.as_json(scaling)} if scaling else {})
        out |= {"campaigns": campaigns_report.as_json(campaigns)} if campaigns else {}
        out |= {"journey": journey_report.as_json(journeys)} if journeys is not None else {}
        out |= {"ingress": [case.row() for case in ingress_cases]} if ingress_cases else {}
        out |= {"order_cost": order_cost_report.as_json(usages)} if usages else {}
        out |= {"analytics": [asdict(case) for case in reads]} if reads else {}
        out |= {"cold_start": imports.row()} if imports is not None else {}
        args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"\nDone in {meta['seconds']} s.")
    return 0


def print_costs(ingress_cases: list[ingress.Case], usages: list[order_cost.Usage],
                imports: cold_start.ColdStart | None) -> None:
    if ingress_cases:
        print(f"\n{ingress.NOTE}\n")
        print(ingress.table(ingress_cases))
    if usages:
        print(f"\n{order_cost_report.note(usages)}\n")
        print(order_cost_report.table(usages))
        print("\n".join(["", *order_cost_report.time_lines(usages)]))
    if imports is not None:
        print(f"\n{cold_start.note(imports)}\n")
        print(cold_start.table(imports))
        print(f"\n{cold_start.verdict(imports)}")


def print_kinds(args: argparse.Namespace, meta: dict[str, Any], results: list[KindResult]) -> None:
    print(f"Worker path: chalicelib.services.deliveries.apply_delivery with the adapters chalicelib.bootstrap builds, "
          f"on {meta['backend']}; {args.events} events per kind, floor interleaved in blocks of {args.block}; "
          f"{meta['cpus']} CPUs.")
    print(f"Round trips: DynamoDB API calls the code made (botocore before-call hooks), per event. {report.UNITS_NOTE}")
    print(report.FLOOR_NOTE)
    print()
    print(report.table(results))
    print()
    print("\n".join(report.hot_keys(results)))
    print()
    print("\n".join(report.figure_lines(results)))
    if args.verbose:
        print()
        print("\n".join(report.breakdown(results)))


if __name__ == "__main__":
    sys.exit(main())
