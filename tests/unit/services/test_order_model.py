"""The points ledger against a reference model, under any interleaving of Shopify order deliveries.

A Hypothesis state machine keeps Shopify's side of two or three orders (one or two customers, now and then a guest
checkout or a test order) and sends webhook envelopes shaped like intake's through the worker's real entry point into
an InMemoryLedger: payments through any of the three topics that can carry one, unpaid updates, partial refunds
(shipping-only ones, ones that include a gift card), orders/updated carrying refunds already or not yet delivered,
cancellations before or after payment, and any earlier delivery again, verbatim or under a new webhook id.

After every step the ledger is compared with a model that knows only which facts were delivered, never their order
or how often. Money is kept in integer cents, so the model's arithmetic is exact:

    earned   = floor(merchandise base) if a paid fact was seen, the order has a customer and is not a test
    reversed = earned if cancelled, else min(earned, floor(earned × Σ distinct refunded base / base))
    balance  = Σ over the member's orders of (earned − reversed)
"""
from __future__ import annotations

import itertools
import json
import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from chalicelib.adapters.platform_formats import PlatformFormats
from chalicelib.domain.accounting import FLOOR_AT_ZERO, Policy
from chalicelib.domain.ledger import EntryKind, LedgerEntry, Member
from chalicelib.domain.program import ProgramRules, Tier
from chalicelib.services.deliveries import apply_delivery
from chalicelib.services.orders import Outcome, release_order
from tests.factories import SHOP, load_event, make_order
from tests.fakes import FixedClock, InMemoryDataRequests, InMemoryLedger, RecordingShops, StaticRules

FORMATS = PlatformFormats()

PROGRAM = "demo"
ORDER = load_event("shopify/orders-paid.2026-04")
REFUND = load_event("shopify/refunds-create.2026-04")
PROCESSED_AT = datetime.fromisoformat(ORDER["processed_at"])
HOLD = timedelta(days=30)
PAID_STATES = ("paid", "partially_refunded", "refunded")    # Shopify's financial_status of an order paid in full
CUSTOMERS = ({"id": 2**62 + 11, "email": "ada@example.com", "first_name": "Ada"},
             {"id": 2**62 + 29, "email": "grace@example.com", "first_name": "Grace"})
PAGE = 3                                                      # small, so every check pages through the ledger
MERCHANDISE_LINES = 3
EARNING = (EntryKind.EARN, EntryKind.PENDING_EARN)
ONE_TIER = (Tier("member", Decimal(0)),)      # the model knows the base rule only: no tier or campaign multipliers

CI = bool(os.environ.get("CI"))
SETTINGS = settings(max_examples=200, stateful_step_count=40, deadline=None, derandomize=CI,
                    **({"database": None} if CI else {}))


# --- the orders -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    price: int          # unit price, cents
    quantity: int
    discount: int       # per unit, cents
    tax: int            # per unit, cents
    gift_card: bool = False

    def base(self, units: int, taxes_included: bool) -> int:
        """Earnable cents in `units` of this line: after discounts, without tax or gift cards."""
        if self.gift_card:
            return 0
        return units * (self.price - self.discount - (self.tax if taxes_included else 0))


@dataclass(frozen=True)
class OrderSpec:
    customer: int | None            # index into CUSTOMERS; None for a guest checkout
    lines: tuple[Line, ...]         # merchandise first, the gift card (if any) last
    taxes_included: bool = False
    test: bool = False

    @property
    def base(self) -> int:
        return sum(line.base(line.quantity, self.taxes_included) for line in self.lines)


def _line(price: int, quantity: int, discount_tenths: int, tax_percent: int) -> Line:
    return Line(price, quantity, price * discount_tenths // 10, price * tax_percent // 100)


def _order(customer: int | None, lines: list[Line], gift_card: bool, taxes_included: bool, test: bool) -> OrderSpec:
    gift = (Line(2500, 1, 0, 0, gift_card=True),) if gift_card else ()
    return OrderSpec(customer, (*lines, *gift), taxes_included, test)


lines = st.builds(_line, st.integers(50, 9_999), st.integers(1, 3), st.integers(0, 3), st.sampled_from([0, 8, 20]))
order_specs = st.builds(
    _order, customer=st.integers(0, 4).map(lambda n: None if n == 4 else n % 2),     # a guest now and then
    lines=st.lists(lines, min_size=1, max_size=MERCHANDISE_LINES), gift_card=st.booleans(),
    taxes_included=st.booleans(), test=st.integers(0, 9).map(lambda n: n == 9))


@dataclass(frozen=True)
class IssuedRefund:
    refund_id: int
    body: dict[str, Any]
    base: int                       # refunded merchandise, cents


@dataclass
class ShopifyOrder:
    """Shopify's side of one order: what has happened to it, whether or not the engine has heard of it yet."""

    spec: OrderSpec
    order_id: int
    line_ids: tuple[int, ...]
    payload: dict[str, Any]
    refunded: list[int]             # units refunded so far, per line
    refunds: list[IssuedRefund] = field(default_factory=list)
    paid: bool = False
    cancelled_at: str | None = None

    @property
    def ref(self) -> str:
        return f"shopify:{SHOP}:order:{self.order_id}"

    def status(self, refunds: list[IssuedRefund]) -> str:
        if refunds:
            return "partially_refunded"
        return "paid" if self.paid else "pending"


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def money_set(cents: int) -> dict[str, dict[str, str]]:
    return {"shop_money": {"amount": money(cents), "currency_code": "USD"},
            "presentment_money": {"amount": money(cents), "currency_code": "USD"}}


def line_item(line_id: int, line: Line) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": line_id, "product_id": None if line.gift_card else line_id + 1,
        "title": "Gift card" if line.gift_card else f"Item {line_id % 100}", "quantity": line.quantity,
        "current_quantity": line.quantity, "price": money(line.price), "price_set": money_set(line.price),
        "total_discount": "0.00", "discount_allocations": [], "tax_lines": [], "gift_card": line.gift_card,
    }
    if line.discount:
        total = line.discount * line.quantity
        item["discount_allocations"] = [{"amount": money(total), "amount_set": money_set(total),
                                         "discount_application_index": 0}]
    if line.tax:
        total = line.tax * line.quantity
        item["tax_lines"] = [{"title": "State tax", "price": money(total), "price_set": money_set(total)}]
    return item


def new_order(spec: OrderSpec, order_id: int, line_ids: tuple[int, ...]) -> dict[str, Any]:
    """The order as Shopify describes it; each delivery sends it with that moment's status, refunds, cancellation."""
    customer = None if spec.customer is None else {**ORDER["customer"], **CUSTOMERS[spec.customer]}
    subtotal = sum(line.quantity * (line.price - line.discount) for line in spec.lines)
    return make_order(
        id=order_id, name=f"#{order_id % 10_000}", email=customer and customer["email"], customer=customer,
        line_items=[line_item(i, line) for i, line in zip(line_ids, spec.lines, strict=True)],
        test=spec.test, taxes_included=spec.taxes_included, presentment_currency="USD",
        subtotal_price=money(subtotal), subtotal_price_set=money_set(subtotal))


def order_body(order: ShopifyOrder, financial_status: str, refunds: list[IssuedRefund] | None = None,
               cancelled_at: str | None = None) -> dict[str, Any]:
    return {**order.payload, "financial_status": financial_status, "refunds": [r.body for r in refunds or []],
            "cancelled_at": cancelled_at}


def refund_line(item_id: int, line_id: int, line: Line, units: int) -> dict[str, Any]:
    subtotal, tax = units * (line.price - line.discount), units * line.tax
    return {"id": item_id, "quantity": units, "line_item_id": line_id, "restock_type": "return",
            "subtotal": subtotal / 100, "total_tax": tax / 100,
            "subtotal_set": money_set(subtotal), "total_tax_set": money_set(tax),
            "line_item": {"id": line_id, "quantity": line.quantity, "price": money(line.price),
                          "gift_card": line.gift_card}}


# --- the model ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Facts:
    """The facts one delivery tells the engine about one order."""

    order: int
    paid: bool = False
    cancelled: bool = False
    refunds: tuple[tuple[int, int], ...] = ()       # (refund id, refunded base in cents)


@dataclass
class Known:
    """Everything the engine has been told about one order: the model's only input."""

    paid: bool = False
    cancelled: bool = False
    refunds: dict[int, int] = field(default_factory=dict)
    released: bool = False

    def learn(self, facts: Facts) -> None:
        self.paid |= facts.paid
        self.cancelled |= facts.cancelled
        self.refunds.update(facts.refunds)


def expected(spec: OrderSpec, known: Known) -> tuple[int, int]:
    """(earned, reversed) points of one order, from the set of delivered facts alone."""
    earned = spec.base // 100
    if not known.paid or spec.customer is None or spec.test or earned == 0:
        return 0, 0
    if known.cancelled:
        return earned, earned
    return earned, min(earned, earned * sum(known.refunds.values()) // spec.base)


# --- the machine ----------------------------------------------------------------------------------------------------

which = st.integers(0, 2)


class OrderLedger(RuleBasedStateMachine):
    """Deliveries through the worker's entry point, `apply_delivery`, under the default policy (spendable at once)."""

    policy = Policy()
    held = False

    def __init__(self) -> None:
        super().__init__()
        self.ledger = InMemoryLedger()
        self.clock = FixedClock(PROCESSED_AT)
        self.program_rules = StaticRules(ProgramRules(tiers=ONE_TIER, policy=self.policy))
        self.ids = itertools.count(1)
        self.orders: list[ShopifyOrder] = []
        self.known: list[Known] = []
        self.sent: list[tuple[dict[str, Any], Facts]] = []

    def deliver(self, envelope: dict[str, Any]) -> Outcome:
        return apply_delivery(envelope, FORMATS, self.ledger, self.ledger, self.program_rules, InMemoryDataRequests(),
                              RecordingShops(), self.ledger, self.clock)

    # -- driving it --

    @initialize(specs=st.lists(order_specs, min_size=2, max_size=3))
    def open_orders(self, specs: list[OrderSpec]) -> None:
        for n, spec in enumerate(specs):
            order_id = 2**53 + 1_000_003 * (n + 1)
            line_ids = tuple(2**60 + 100 * n + j for j in range(len(spec.lines)))
            payload = new_order(spec, order_id, line_ids)
            self.orders.append(ShopifyOrder(spec, order_id, line_ids, payload, [0] * len(spec.lines)))
            self.known.append(Known())

    @rule(i=which, topic=st.sampled_from(["orders/paid", "orders/create", "orders/updated"]))
    def pay(self, i: int, topic: str) -> None:
        """The payment, through any topic that can say so: one fact, however many topics carry it."""
        n, order = self.order(i)
        order.paid = True
        self.send(topic, order_body(order, "paid"), Facts(n, paid=True))

    @rule(i=which, topic=st.sampled_from(["orders/create", "orders/updated"]),
          status=st.sampled_from(["pending", "authorized"]))
    def leave_unpaid(self, i: int, topic: str, status: str) -> None:
        """An update from before the payment (perhaps delivered late) awards nothing."""
        n, order = self.order(i)
        outcome = self.send(topic, order_body(order, status), Facts(n))
        assert (outcome.status, outcome.points, outcome.pending) in {("unchanged", 0, 0), ("skipped", 0, 0)}

    @rule(i=which, units=st.lists(st.integers(0, 3), min_size=MERCHANDISE_LINES, max_size=MERCHANDISE_LINES),
          gift_card=st.booleans(), shipping_only=st.integers(0, 3).map(lambda n: n == 3), deliver_now=st.booleans())
    def refund(self, i: int, units: list[int], gift_card: bool, shipping_only: bool, deliver_now: bool) -> None:
        """A new refund in Shopify, sent by refunds/create now or left for a later delivery or an update's refunds[]."""
        n, order = self.order(i)
        refund_id, items, base = 2**59 + next(self.ids), [], 0
        for j, (line_id, line) in enumerate(zip(order.line_ids, order.spec.lines, strict=True)):
            left = line.quantity - order.refunded[j]
            take = 0 if shipping_only else (left if gift_card else 0) if line.gift_card else min(units[j], left)
            if take:
                order.refunded[j] += take
                items.append(refund_line(2**58 + next(self.ids), line_id, line, take))
                base += line.base(take, order.spec.taxes_included)
        created_at = (PROCESSED_AT + timedelta(days=1, minutes=next(self.ids))).isoformat()
        body = {**REFUND, "id": refund_id, "order_id": order.order_id, "created_at": created_at,
                "processed_at": created_at, "refund_line_items": items, "transactions": [],
                "refund_shipping_lines": [{"id": 2**57 + refund_id % 1000, "subtotal_amount_set": money_set(800)}]
                if shipping_only else []}
        order.refunds.append(IssuedRefund(refund_id, body, base))
        order.paid = True                       # Shopify refunds only what was paid; the delivery may still be late
        if deliver_now:
            self.send("refunds/create", body, Facts(n, refunds=((refund_id, base),)))

    @precondition(lambda self: any(order.refunds for order in self.orders))
    @rule(k=st.integers(0, 50))
    def deliver_a_refund(self, k: int) -> None:
        """refunds/create for a refund issued earlier, delivered late (or again)."""
        issued = [(n, r) for n, order in enumerate(self.orders) for r in order.refunds]
        n, refund = issued[k % len(issued)]
        self.send("refunds/create", refund.body, Facts(n, refunds=((refund.refund_id, refund.base),)))

    @rule(i=which, carried=st.integers(0, 6))
    def update_with_refunds(self, i: int, carried: int) -> None:
        """orders/updated carrying the first `carried` refunds in refunds[] (an older snapshot carries fewer)."""
        n, order = self.order(i)
        refunds = order.refunds[:carried]
        status = order.status(refunds)
        body = order_body(order, status, refunds, order.cancelled_at)
        self.send("orders/updated", body, Facts(n, paid=status in PAID_STATES, cancelled=bool(order.cancelled_at),
                                                refunds=tuple((r.refund_id, r.base) for r in refunds)))

    @precondition(lambda self: not any(order.cancelled_at for order in self.orders))
    @rule(i=which, stamped=st.booleans())
    def cancel(self, i: int, stamped: bool) -> None:
        """orders/cancelled, before or after payment; without cancelled_at the topic alone says so.

        One order per run at most, so that the others live long enough to be refunded in part.
        """
        n, order = self.order(i)
        order.cancelled_at = order.cancelled_at or (PROCESSED_AT + timedelta(days=2)).isoformat()
        status = order.status(order.refunds) if order.paid else "voided"
        body = order_body(order, status, order.refunds, order.cancelled_at if stamped else None)
        self.send("orders/cancelled", body, Facts(n, paid=status in PAID_STATES, cancelled=True,
                                                  refunds=tuple((r.refund_id, r.base) for r in order.refunds)))

    @precondition(lambda self: self.sent)
    @rule(k=st.integers(0, 1000), new_webhook_id=st.booleans())
    def deliver_again(self, k: int, new_webhook_id: bool) -> None:
        """Any earlier delivery again, verbatim (a retry) or under a new webhook id: it changes nothing."""
        envelope, facts = self.sent[k % len(self.sent)]
        if new_webhook_id:
            envelope = {**envelope, "webhook_id": f"wh-{next(self.ids)}", "received_at": self.clock.now().isoformat()}
        outcome = self.send(envelope["topic"], None, facts, envelope)
        assert outcome.status != "recorded"
        assert (outcome.points, outcome.pending) == (0, 0)

    def order(self, i: int) -> tuple[int, ShopifyOrder]:
        n = i % len(self.orders)
        return n, self.orders[n]

    def send(self, topic: str, body: dict[str, Any] | None, facts: Facts,
             envelope: dict[str, Any] | None = None) -> Outcome:
        self.clock.current += timedelta(minutes=1)
        if envelope is None:
            webhook_id, now = f"wh-{next(self.ids)}", self.clock.now().isoformat()
            envelope = {"v": 1, "source": "shopify", "program_id": PROGRAM, "shop": SHOP, "topic": topic,
                        "webhook_id": webhook_id, "event_id": f"ev-{webhook_id}", "triggered_at": now,
                        "api_version": "2026-04", "received_at": now, "body": json.dumps(body)}
            self.sent.append((envelope, facts))
        outcome = self.deliver(envelope)
        self.known[facts.order].learn(facts)
        return outcome

    # -- reading the ledger back through its port --

    def members(self) -> list[tuple[int, Member, list[LedgerEntry]]]:
        found = []
        for c, customer in enumerate(CUSTOMERS):
            matches = self.ledger.find_by_email(PROGRAM, customer["email"])
            assert len(matches) <= 1, f"{customer['email']} has {len(matches)} members"
            found += [(c, m, self.entries(m.member_id)) for m in matches]
        return found

    def entries(self, member_id: str) -> list[LedgerEntry]:
        entries, cursor = [], None
        while True:
            page = self.ledger.ledger(PROGRAM, member_id, cursor, PAGE)
            entries += page.entries
            if page.next_cursor is None:
                return entries
            cursor = page.next_cursor

    def expected_balances(self, customer: int) -> tuple[int, int]:
        """(spendable, pending) the model expects for one customer."""
        spendable = pending = 0
        for order, known in zip(self.orders, self.known, strict=True):
            if order.spec.customer == customer:
                earned, reversed_ = expected(order.spec, known)
                if self.held and not known.released:
                    pending += earned - reversed_
                else:
                    spendable += earned - reversed_
        return spendable, pending

    # -- the invariants --

    @invariant()
    def balances_are_the_sums_of_their_entries(self) -> None:
        for _, member, entries in self.members():
            assert member.points_balance == sum(e.points for e in entries)
            assert member.pending_points == sum(e.pending_points for e in entries)

    @invariant()
    def each_business_fact_has_at_most_one_entry(self) -> None:
        for _, _, entries in self.members():
            assert len({e.entry_id for e in entries}) == len(entries)
            assert len({e.business_key for e in entries}) == len(entries)

    @invariant()
    def no_order_takes_back_more_than_it_earned(self) -> None:
        for _, _, entries in self.members():
            earned: dict[str, int] = defaultdict(int)
            reversed_: dict[str, int] = defaultdict(int)
            for e in entries:
                if e.kind in EARNING:
                    earned[e.source["order_id"]] += e.points + e.pending_points
                elif e.kind is EntryKind.REVERSE:
                    reversed_[e.source["order_id"]] -= e.points + e.pending_points
            for order_id in earned.keys() | reversed_.keys():
                assert 0 <= reversed_[order_id] <= earned[order_id], order_id

    @invariant()
    def each_order_and_balance_is_what_the_delivered_facts_imply(self) -> None:
        members = {c: (m, entries) for c, m, entries in self.members()}
        assert {m.member_id for m, _ in members.values()} == {mid for _, mid in self.ledger.members}
        for order, known in zip(self.orders, self.known, strict=True):
            owner = members.get(order.spec.customer) if order.spec.customer is not None else None
            mine = [e for e in owner[1] if e.source["order_id"] == str(order.order_id)] if owner else []
            earned, reversed_ = expected(order.spec, known)
            assert sum(e.points + e.pending_points for e in mine if e.kind in EARNING) == earned, order.order_id
            assert sum(e.points + e.pending_points for e in mine if e.kind is EntryKind.REVERSE) == -reversed_
        for c in range(len(CUSTOMERS)):
            member = members.get(c, (None, []))[0]
            actual = (member.points_balance, member.pending_points) if member else (0, 0)
            assert actual == self.expected_balances(c), CUSTOMERS[c]["email"]

    @invariant()
    def lifetime_points_are_the_sum_of_lifetime_deltas_and_never_negative(self) -> None:
        for _, member, entries in self.members():
            assert member.lifetime_points == sum(e.lifetime_delta for e in entries)
            assert member.lifetime_points >= 0


class HeldOrderLedger(OrderLedger):
    """Policy(hold_days=30): points earn as pending and the release job makes them spendable once the hold ends."""

    held = True
    policy = Policy(hold_days=30)

    @rule(i=which, seconds_after_the_hold=st.sampled_from([-1, 0, 86_400]))
    def release(self, i: int, seconds_after_the_hold: int) -> None:
        n, order = self.order(i)
        now = PROCESSED_AT + HOLD + timedelta(seconds=seconds_after_the_hold)
        self.clock.current = max(self.clock.current, now)
        release_order(PROGRAM, order.ref, now, self.ledger, self.program_rules, self.clock)
        if seconds_after_the_hold >= 0 and self.known[n].paid:
            self.known[n].released = True


class FloorOrderLedger(OrderLedger):
    """Policy(negative_balance=FLOOR_AT_ZERO). Nobody spends here (the service layer has no spend yet), so every
    balance covers every clawback and the floor must never bite: the results are the default policy's."""

    policy = Policy(negative_balance=FLOOR_AT_ZERO)


def test_any_interleaving_of_deliveries_leaves_every_balance_where_the_delivered_facts_put_it():
    run_state_machine_as_test(OrderLedger, settings=SETTINGS)


def test_with_a_hold_period_points_stay_pending_until_released_once_whatever_the_arrival_order():
    run_state_machine_as_test(HeldOrderLedger, settings=SETTINGS)


def test_floor_at_zero_claws_back_in_full_from_a_member_who_has_spent_nothing():
    run_state_machine_as_test(FloorOrderLedger, settings=SETTINGS)


def test_under_floor_at_zero_a_refund_delivered_on_its_own_is_clawed_back_from_the_members_balance():
    """The floor machine's first find, replayed: refunds/create names no customer, and the clawback once saw the
    balance of no member at all (zero), so floor-at-zero took nothing back and recorded it all as uncollected."""
    machine = FloorOrderLedger()
    machine.open_orders([_order(0, [_line(50, 1, 0, 0), _line(117, 3, 0, 0)], False, False, False)])  # 4.01 USD
    machine.pay(0, "orders/paid")                                                         # earns 4
    machine.refund(0, units=[0, 1, 0], gift_card=False, shipping_only=False, deliver_now=True)  # 1.17 of 4.01 back
    [(_, member, _)] = machine.members()
    assert (member.points_balance, member.lifetime_points) == (3, 3)                     # 4 - floor(4 × 117 / 401)
    machine.each_order_and_balance_is_what_the_delivered_facts_imply()
