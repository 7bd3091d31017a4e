"""The analytics KPIs computed independently of the engine's counters: from the raw webhooks that were sent (purchase
days from the `orders/paid` payloads, refunds from the `refunds/create` payloads) and from the ledger as exported
(`GET /admin/exports/ledger.csv`), by the definitions of README "Analytics". Used by the tests that hold
`GET /admin/analytics/summary` to them (tests/integration/test_analytics_kpis.py, tests/e2e/test_dashboard_demo.py).
"""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
RATE_PLACES = Decimal("0.0001")
ISSUING = frozenset({"earn", "pending_earn", "bonus"})


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last


def rate(part: Decimal | int, whole: Decimal | int) -> float | None:
    return float((Decimal(part) / Decimal(whole)).quantize(RATE_PLACES, ROUND_HALF_UP)) if whole else None


def _merchandise(order: Mapping[str, Any]) -> Decimal:
    """Lines after their discounts, without tax, shipping or gift cards (what an order earns on)."""
    return sum((Decimal(str(line["price"])) * int(line["quantity"])
                - sum((Decimal(str(a["amount"])) for a in line.get("discount_allocations") or []), Decimal(0))
                for line in order["line_items"] if not line.get("gift_card")), Decimal(0))


def _refunded(refund: Mapping[str, Any]) -> Decimal:
    return sum((Decimal(str(item["subtotal_set"]["shop_money"]["amount"])) for item in refund["refund_line_items"]
                if not (item.get("line_item") or {}).get("gift_card")), Decimal(0))


def purchase_days(webhooks: Iterable[tuple[str, Mapping[str, Any]]]) -> dict[int, dict[date, Decimal]]:
    """Customer id → purchase day (the order's own local day) → its value: the merchandise of that day's paid orders
    less what was refunded of each (never below 0 per order). Refunds lower a day's value, never remove the day."""
    orders: dict[int, tuple[int, date, Decimal]] = {}
    refunds: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for topic, body in webhooks:
        if topic == "orders/paid" and body.get("customer") and not body.get("test"):
            day = datetime.fromisoformat(body["processed_at"]).date()
            orders[int(body["id"])] = (int(body["customer"]["id"]), day, _merchandise(body))
        elif topic == "refunds/create":
            refunds[int(body["order_id"])][int(body["id"])] = _refunded(body)
    days: dict[int, dict[date, Decimal]] = defaultdict(dict)
    for order_id, (customer, day, value) in orders.items():
        net = max(value - sum(refunds[order_id].values(), Decimal(0)), Decimal(0))
        days[customer][day] = days[customer].get(day, Decimal(0)) + net
    return dict(days)


def customer_figures(days: Mapping[int, Mapping[date, Decimal]], p: Period) -> dict[str, Any]:
    q = p.previous()
    firsts = {c: min(d) for c, d in days.items() if d}
    active = {c for c, d in days.items() if any(day in p for day in d)}
    before = {c for c, d in days.items() if any(day in q for day in d)}
    new = {c for c, first in firsts.items() if first in p}
    repeat = {c for c in new if sum(1 for day in days[c] if day <= p.last) >= 2}
    revenue = sum((v for d in days.values() for day, v in d.items() if day in p), Decimal(0))
    return {"customers_active": len(active), "customers_new": len(new), "customers_returning": len(active - new),
            "retention_rate": rate(len(before & active), len(before)),
            "repeat_purchase_rate": rate(len(repeat), len(new)),
            "revenue": str(revenue.quantize(CENT, ROUND_HALF_UP))}


@dataclass(frozen=True)
class Entry:
    kind: str
    points: int
    pending: int
    day: date


def ledger_entries(csv_pages: Iterable[str]) -> list[Entry]:
    """The rows of the ledger export's pages; an entry's day is its `occurred_at` date in the offset it carries."""
    found = []
    for page in csv_pages:
        for row in csv.DictReader(io.StringIO(page)):
            found.append(Entry(row["kind"], int(row["points"] or 0), int(row["pending_points"] or 0),
                               datetime.fromisoformat(row["occurred_at"]).date()))
    return found


def _day_flows(entry: Entry) -> tuple[int, int, int, int, int]:
    """(issued, redeemed, expired, reversed, redemptions) of one entry."""
    k, total = entry.kind, entry.points + entry.pending
    if k in ISSUING:
        return total, 0, 0, 0, 0
    if k == "adjust":
        return max(entry.points, 0), 0, 0, max(-entry.points, 0), 0
    if k == "redeem":
        return 0, -entry.points, 0, 0, int(entry.points < 0)
    if k == "expire":
        return 0, 0, -entry.points, 0, 0
    if k == "reverse":
        return 0, 0, 0, -total, 0
    return 0, 0, 0, 0, 0          # release (points and pending cancel out), merge (nets to zero)


def points_figures(entries: Iterable[Entry], p: Period, point_value: Decimal) -> dict[str, Any]:
    issued = redeemed = expired = reversed_ = redemptions = 0
    all_redeemed = all_expired = outstanding = 0
    for entry in entries:
        if entry.day > p.last:
            continue
        i, r, e, v, n = _day_flows(entry)
        outstanding += i - r - e - v
        all_redeemed += r
        all_expired += e
        if entry.day in p:
            issued, redeemed, expired, reversed_, redemptions = (issued + i, redeemed + r, expired + e,
                                                                 reversed_ + v, redemptions + n)
    expected = rate(all_expired, all_expired + all_redeemed)
    kept = Decimal(1) - (Decimal(str(expected)) if expected is not None else Decimal(0))
    return {"points_issued": issued, "points_redeemed": redeemed, "points_expired": expired,
            "points_reversed": reversed_, "redemptions": redemptions, "points_outstanding": outstanding,
            "redemption_rate": rate(redeemed, issued), "breakage_rate": rate(expired, issued),
            "expected_breakage": expected,
            "liability": str((Decimal(outstanding) * point_value * kept).quantize(CENT, ROUND_HALF_UP))}


def expected_summary(days: Mapping[int, Mapping[date, Decimal]], entries: list[Entry], p: Period,
                     point_value: Decimal) -> dict[str, Any]:
    """Every KPI of the period that the raw data decide, named as the summary names them (money as strings)."""
    return {"from": p.first.isoformat(), "to": p.last.isoformat(), "days": p.days,
            **customer_figures(days, p), **points_figures(entries, p, point_value)}


def as_summary(answer: Mapping[str, Any]) -> dict[str, Any]:
    """The same names read from `GET /admin/analytics/summary` (or its `previous`)."""
    names = ("from", "to", "days", "customers_active", "customers_new", "customers_returning", "retention_rate",
             "repeat_purchase_rate", "points_issued", "points_redeemed", "points_expired", "points_reversed",
             "redemptions", "points_outstanding", "redemption_rate", "breakage_rate", "expected_breakage")
    found = {name: answer[name] for name in names}
    found["revenue"] = answer["revenue"]["amount"]
    found["liability"] = answer["liability"]["amount"]
    return found


def cohorts(days: Mapping[int, Mapping[date, Decimal]], through: date) -> list[dict[str, Any]]:
    """Monthly cohorts by first purchase day: customers, the share with a purchase day in each month since (to the
    month of `through`), and the value of all their purchase days per customer (README "Analytics")."""
    def month(day: date) -> int:
        return day.year * 12 + day.month - 1

    groups: dict[int, list[int]] = defaultdict(list)
    for customer, d in days.items():
        if d and min(d) <= through:
            groups[month(min(d))].append(customer)
    found = []
    for m, members in sorted(groups.items()):
        span = month(through) - m + 1
        retention = [rate(sum(1 for c in members if any(month(day) == m + k for day in days[c] if day <= through)),
                          len(members)) for k in range(span)]
        value = sum((v for c in members for day, v in days[c].items() if day <= through), Decimal(0))
        found.append({"cohort": f"{m // 12:04d}-{m % 12 + 1:02d}", "customers": len(members), "retention": retention,
                      # to the cent, half to even, as domain/cohorts.py rounds it (README does not say)
                      "revenue_per_customer": str((value / len(members)).quantize(CENT, ROUND_HALF_EVEN))})
    return found
