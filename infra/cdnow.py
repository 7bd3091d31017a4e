"""`make cdnow`: the CDNOW sample (Fader and Hardie; tests/data/cdnow) as signed Shopify `orders/paid` webhooks to the
running local stack, so that the nightly journey run has a real population to fit.

One order per transaction line (order id and webhook id follow from the line, so sending again changes nothing), one
Shopify customer per CDNOW customer (the sample id, 1-2,357), paid at noon -05:00 on the line's day, with one line of
the line's quantity of CDs whose merchandise after discount is exactly the line's dollar value: the order's qualifying
spend, so a member's purchase-day values are the sample's daily sums.

Days are the sample's own (YEARS_LATER = 0): the engine takes event times from 1990 on. YEARS_LATER = 28 would move
them to the same calendar 28 years later (every weekday and every gap the sample's), e.g. to try a recent `AT=`.

Sends concurrently (the intake answers 200 once the delivery is queued), waits until the ingest queue is drained (the
wait of `make job`), then checks every member's purchase days in DynamoDB Local against the sample's daily sums.

Run: python -m infra.cdnow [--until 1997-09-30] [--concurrency 8]
"""
from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_UP, Decimal
from pathlib import Path
from typing import Any

import boto3
import requests

from chalicelib.domain.ledger import Identity, member_id_for
from infra.bench.payloads import BLOCK, ORDER_BASE, customer_id, line_id
from infra.local.job import SqsQueues, Watch, dead_letters, finish_work
from infra.local.settings import (
    REGION,
    REPO_ROOT,
    ProgramSettings,
    chalice_config,
    ports_from,
    program_settings,
    require_stack,
)
from infra.webhook import signed_headers

DATA = REPO_ROOT / "tests" / "data" / "cdnow" / "CDNOW_sample.txt"
CALIBRATION_END = date(1997, 9, 30)      # the 39-week calibration period of the published fit
YEARS_LATER = 0                          # the sample's own days (28 would give the same calendar in 2025)
OFFSET = timezone(timedelta(hours=-5))   # the shop's offset in processed_at; noon keeps the day in any zone ±11 h
CDNOW_BLOCK = 900                        # id block of the CDNOW customers and orders (infra.bench.payloads)
PRODUCT_ID = 8_123_456_789_000_000_001   # "a CD"
_NAMESPACE = uuid.UUID("0c6f2b9e-6a43-4f3e-8d1c-43444e4f5721")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Transaction:
    line: int            # 1-based line number in CDNOW_sample.txt
    customer: int        # the sample id, 1-2,357
    day: date            # the sample's own day (1997-1998)
    quantity: int
    value: Decimal


def transactions(until: date | None = CALIBRATION_END, path: Path = DATA) -> list[Transaction]:
    """The sample's lines on or before `until` (None: all of them), in file order."""
    found = []
    for n, text in enumerate(path.read_text().splitlines(), 1):
        _, customer, day, quantity, value = text.split()
        t = Transaction(n, int(customer), datetime.strptime(day, "%Y%m%d").date(), int(quantity), Decimal(value))
        if until is None or t.day <= until:
            found.append(t)
    return found


def in_sending_order(found: Iterable[Transaction]) -> list[Transaction]:
    """Day by day, as a shop would see them, and a customer's orders of one day apart from each other: two orders of one
    member applied at the same moment are one conflict and one retry after the queue's visibility timeout."""
    seen: Counter[tuple[int, date]] = Counter()
    keyed = []
    for t in found:
        seen[(t.customer, t.day)] += 1
        keyed.append(((t.day, seen[(t.customer, t.day)], t.line), t))
    return [t for _, t in sorted(keyed, key=lambda pair: pair[0])]


def shifted(day: date, years: int = YEARS_LATER) -> date:
    return day.replace(year=day.year + years)


def shopify_customer_id(customer: int) -> int:
    return customer_id(CDNOW_BLOCK, customer)


def order_id(t: Transaction) -> int:
    return ORDER_BASE + CDNOW_BLOCK * BLOCK + t.line


def _money(amount: Decimal) -> dict[str, Any]:
    return {"shop_money": {"amount": str(amount), "currency_code": "USD"},
            "presentment_money": {"amount": str(amount), "currency_code": "USD"}}


def order_body(t: Transaction, years: int = YEARS_LATER) -> dict[str, Any]:
    """The `orders/paid` body of one transaction: `quantity` CDs at the value per CD rounded up to the cent, less the
    rounding as a discount, so merchandise after discounts (no tax, shipping or gift card) is exactly `value`."""
    oid, cid = order_id(t), shopify_customer_id(t.customer)
    price = (t.value / t.quantity).quantize(CENT, rounding=ROUND_UP)
    discount = price * t.quantity - t.value
    paid = datetime.combine(shifted(t.day, years), datetime.min.time(), OFFSET).replace(hour=12).isoformat()
    email = f"cdnow-{t.customer:04d}@example.com"
    number = 100_000 + t.line
    return {
        "id": oid, "admin_graphql_api_id": f"gid://shopify/Order/{oid}", "name": f"#{number}", "order_number": number,
        "email": email, "contact_email": email, "created_at": paid, "processed_at": paid, "updated_at": paid,
        "cancelled_at": None, "currency": "USD", "presentment_currency": "USD", "financial_status": "paid",
        "fulfillment_status": None, "test": False, "taxes_included": False, "source_name": "web", "tags": "cdnow",
        "subtotal_price": str(t.value), "subtotal_price_set": _money(t.value), "total_price": str(t.value),
        "total_price_set": _money(t.value), "total_discounts": str(discount), "total_tax": "0.00",
        "total_line_items_price": str(price * t.quantity),
        "customer": {"id": cid, "email": email, "first_name": "CDNOW", "last_name": f"{t.customer:04d}",
                     "admin_graphql_api_id": f"gid://shopify/Customer/{cid}"},
        "line_items": [{
            "id": line_id(oid, 0), "product_id": PRODUCT_ID, "title": "CD", "name": "CD", "quantity": t.quantity,
            "price": str(price), "price_set": _money(price), "total_discount": str(discount),
            "discount_allocations": [{"amount": str(discount), "amount_set": _money(discount)}] if discount else [],
            "tax_lines": [], "gift_card": False, "taxable": False, "requires_shipping": True,
        }],
        "shipping_lines": [], "discount_codes": [], "refunds": [], "fulfillments": [],
    }


def daily_values(sent: Iterable[Transaction], years: int = YEARS_LATER) -> dict[int, dict[date, Decimal]]:
    """Customer → (shifted) day → the sum of that day's values, as the members should store them."""
    days: dict[int, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for t in sent:
        days[t.customer][shifted(t.day, years)] += t.value
    return {customer: dict(values) for customer, values in days.items()}


def send(api: str, sent: Sequence[Transaction], settings: ProgramSettings, concurrency: int = 8,
         years: int = YEARS_LATER) -> Counter[int]:
    """POST every transaction's order as a signed webhook from `concurrency` threads (in_sending_order); answers
    counted by status (0: no answer)."""
    statuses: Counter[int] = Counter()
    sent = in_sending_order(sent)
    lock, index = threading.Lock(), iter(range(len(sent)))

    def client() -> None:
        session = requests.Session()
        session.trust_env = False            # loopback: never through a proxy
        while True:
            with lock:
                i = next(index, None)
            if i is None:
                return
            t = sent[i]
            body = json.dumps(order_body(t, years), separators=(",", ":")).encode()
            webhook_id = str(uuid.uuid5(_NAMESPACE, f"{order_id(t)}:{years}"))
            headers = signed_headers(body, "orders/paid", settings.shop_domain, settings.shopify_webhook_secret,
                                     webhook_id)
            status = 0
            for _ in range(3):
                try:
                    status = session.post(f"{api}/webhooks/shopify", data=body, headers=headers, timeout=30).status_code
                except requests.RequestException:
                    status = 0
                if status not in (0, 503):
                    break
                time.sleep(1)
            with lock:
                statuses[status] += 1

    threads = [threading.Thread(target=client, daemon=True) for _ in range(max(1, concurrency))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def _stage_env() -> dict[str, str]:
    return chalice_config().environment_variables


def wait_drained(aws_endpoint: str, timeout: float = 1800) -> bool:
    """Until the ingest queue holds nothing waiting, in flight or delayed, and its dead-letter queue got nothing new
    (the wait of `make job`)."""
    sqs = boto3.client("sqs", endpoint_url=aws_endpoint, region_name=REGION, aws_access_key_id="testing",
                       aws_secret_access_key="testing")  # noqa: S106 - the local stack's fake credentials
    watch = Watch(SqsQueues(sqs), timeout=timeout)
    names = [_stage_env()["LOYALTY_INGEST_QUEUE_NAME"]]
    return finish_work(watch, names, dead_letters(watch.queues, names)) == 0


def stored_days(ddb_endpoint: str, settings: ProgramSettings, customers: Iterable[int]) -> dict[int, dict[date,
                                                                                                          Decimal]]:
    """Customer → the purchase days (`pd_YYYYMMDD`) its member's profile holds in DynamoDB Local; a customer without a
    profile is left out."""
    ddb = boto3.client("dynamodb", endpoint_url=ddb_endpoint, region_name=REGION, aws_access_key_id="testing",
                       aws_secret_access_key="testing")  # noqa: S106
    table = _stage_env()["LOYALTY_TABLE_NAME"]
    by_member = {member_id_for(settings.program_id, Identity("shopify", f"{settings.shop_domain}:"
                                                              f"{shopify_customer_id(c)}")): c for c in customers}
    found: dict[int, dict[date, Decimal]] = {}
    members = list(by_member)
    for start in range(0, len(members), 100):
        keys: list[dict[str, Any]] = [{"PK": {"S": f"P#{settings.program_id}#M#{m}"}, "SK": {"S": "PROFILE"}}
                                      for m in members[start:start + 100]]
        request: dict[str, Any] = {table: {"Keys": keys, "ConsistentRead": True}}
        while request:
            answer = ddb.batch_get_item(RequestItems=request)
            for item in answer["Responses"].get(table, []):
                found[by_member[item["PK"]["S"].rpartition("#")[2]]] = {
                    datetime.strptime(name[3:], "%Y%m%d").date(): Decimal(value["N"])
                    for name, value in item.items() if name.startswith("pd_")}
            request = answer.get("UnprocessedKeys") or {}
    return found


def mismatches(expected: dict[int, dict[date, Decimal]], stored: dict[int, dict[date, Decimal]]) -> list[int]:
    """Customers whose stored purchase days differ from the sample's positive daily sums (a $0.00 day earns nothing,
    so it is no purchase day)."""
    return [c for c, days in sorted(expected.items())
            if {d: v for d, v in days.items() if v > 0} != {d: v for d, v in stored.get(c, {}).items() if v != 0}]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--until", type=date.fromisoformat, default=CALIBRATION_END,
                        help="send the transactions of this day (the sample's own, 1997-1998) and earlier")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for the ingest queue to drain")
    args = parser.parse_args(argv)
    ports, settings = ports_from(), program_settings()
    require_stack(ports.api)
    sent = transactions(args.until)
    expected = daily_values(sent)
    print(f"Sending {len(sent)} orders of {len(expected)} CDNOW customers (days up to {args.until}, moved "
          f"{YEARS_LATER} years on: up to {shifted(args.until)}) with {args.concurrency} clients")
    start = time.monotonic()
    statuses = send(f"http://127.0.0.1:{ports.api}", sent, settings, args.concurrency)
    sent_at = time.monotonic()
    answers = ", ".join(f"{count} × {status or 'no answer'}" for status, count in sorted(statuses.items()))
    print(f"Sent in {sent_at - start:.1f} s ({len(sent) / max(sent_at - start, 1e-9):.0f}/s): {answers}")
    drained = wait_drained(f"http://127.0.0.1:{ports.aws}", args.timeout)
    done = time.monotonic()
    print(f"Ingest queue {'drained' if drained else 'NOT drained'} {done - sent_at:.1f} s after the last webhook "
          f"({done - start:.1f} s in all)")
    wrong = mismatches(expected, stored_days(f"http://127.0.0.1:{ports.ddb}", settings, expected))
    free = sum(1 for days in expected.values() if not any(v > 0 for v in days.values()))
    print(f"Purchase days: {len(expected) - len(wrong)} of {len(expected)} customers as in the sample "
          f"({free} of them bought only for $0.00: their purchase days are worth 0)")
    if wrong:
        print(f"Different from the sample: CDNOW customers {wrong[:20]}{' …' if len(wrong) > 20 else ''}",
              file=sys.stderr)
    return 0 if drained and statuses[200] == len(sent) and not wrong else 1


if __name__ == "__main__":
    sys.exit(main())
