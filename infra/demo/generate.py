"""What happens to whom and when in `make demo-data`: a shop's customers over the months, from a seed. No I/O.

Customers arrive over the months (more later on, as a growing shop's do). Each has a latent purchase rate and a chance
to drop out after every purchase (BG/NBD-like: gamma-distributed weekly rates, geometric dropout), so most buy once or
twice and a few become regulars. Orders have lognormal values over one to three lines, with tax and shipping (which
earn nothing) and now and then a discount; a few percent are partly refunded; every order is shipped and delivered
(so review requests and surveys go out). Some customers try to redeem points now and then, and some answer surveys.

Everything follows from (seed, customers, months, end): the ids (customers, orders, webhooks) too, so sending the same
plan again changes nothing. Times are inside [start, end) where end is the END day's midnight UTC; each customer has
the UTC offset of one of the shop's regions, and their orders carry it (a purchase day is the order's local day).
"""
from __future__ import annotations

import calendar
import hashlib
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from infra.demo import payloads

CENT = Decimal("0.01")
OFFSETS_MINUTES = (-300, -300, -360, -480, 0, 60)      # New York (twice as likely), Chicago, Los Angeles, London, Paris
ORDERING_SHARE = 0.8          # customers who order after customers/create; the rest never buy
SUBSCRIBED_SHARE = 0.6        # customers who opt in to marketing mail
RATE_SHAPE, RATE_SCALE = 0.9, 0.07        # gamma: purchase days per week (mean 0.063, a purchase every ~16 weeks)
DROPOUT_A, DROPOUT_B = 1.0, 3.5           # beta: the chance to drop out after each purchase (mean 0.22)
VALUE_MU, VALUE_SIGMA = math.log(55.0), 0.55   # lognormal order value (merchandise, shop currency)
REFUND_SHARE = 0.04
DISCOUNT_SHARE = 0.15
REDEEM_SHARE = 0.4            # after a repeat order, the chance the customer then asks for a reward
MAX_ORDERS = 60
ANSWER_SHARE = 0.45           # surveys answered
COMMENT_SHARE = 0.5           # answers with a comment

COMMENTS = {
    "promoter": ("Great quality and fast delivery, I love it!", "Excellent service, my new favourite shop.",
                 "Beautiful products and friendly support. Highly recommend.", "Very happy with my order, thanks!"),
    "passive": ("Good products, delivery was a bit slow.", "Nice enough, prices are a little high.",
                "It was fine. Packaging could be better."),
    "detractor": ("The parcel came late and nobody answered my email.", "Poor quality, it broke after a week.",
                  "Terrible experience, the size was wrong and the return was a hassle."),
}
FIRST_NAMES = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Niklaus",
               "Radia", "Tim", "Katherine", "John", "Hedy", "Dennis")


@dataclass(frozen=True)
class Plan:
    seed: int
    customers: int
    months: int
    end: date                                  # the period ends at this day's midnight UTC (the day is not in it)

    def __post_init__(self) -> None:
        if not 0 <= self.seed < 1000:
            raise ValueError("SEED must be 0-999")
        if not 1 <= self.customers <= 100_000:
            raise ValueError("CUSTOMERS must be 1-100000")
        if not 1 <= self.months <= 120:
            raise ValueError("MONTHS must be 1-120")

    @property
    def start(self) -> datetime:
        return datetime.combine(months_before(self.end, self.months), time(), UTC)

    @property
    def stop(self) -> datetime:
        return datetime.combine(self.end, time(), UTC)


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day when it has no such day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True)
class Customer:
    n: int
    customer_id: int
    email: str
    first_name: str
    offset: timezone
    joined: datetime
    subscribed: bool
    rate_per_week: float
    dropout: float


@dataclass(frozen=True)
class Event:
    """One thing that happens: a Shopify webhook (`topic` its topic) or an admin call (`topic` "redeem")."""

    at: datetime
    topic: str
    key: str                                  # unique in the plan: the webhook id or the idempotency key
    body: dict[str, Any] = field(compare=False)
    customer: int = 0                         # the customer's n


@dataclass(frozen=True)
class Population:
    plan: Plan
    customers: tuple[Customer, ...]
    events: tuple[Event, ...]                 # in time order

    def count(self, topic: str) -> int:
        return sum(1 for e in self.events if e.topic == topic)


def _rng(plan: Plan, *parts: object) -> random.Random:
    """A generator of its own for each customer (and purpose): one customer's history never depends on another's."""
    text = ":".join(str(p) for p in (plan.seed, plan.end.isoformat(), plan.months, *parts))
    return random.Random(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big"))  # noqa: S311 - not secret


def _joined(rng: random.Random, plan: Plan) -> datetime:
    """Arrivals grow linearly over the period (density ∝ 0.5 + t on t in [0, 1])."""
    u = rng.random()
    t = -0.5 + math.sqrt(0.25 + 2 * u)
    span = (plan.stop - plan.start).total_seconds()
    return plan.start + timedelta(seconds=int(t * span * 0.999))


def customer(plan: Plan, n: int) -> Customer:
    rng = _rng(plan, "customer", n)
    offset = timezone(timedelta(minutes=rng.choice(OFFSETS_MINUTES)))
    return Customer(
        n=n, customer_id=payloads.customer_id(plan.seed, n), email=payloads.email(plan.seed, n),
        first_name=rng.choice(FIRST_NAMES), offset=offset, joined=_joined(rng, plan),
        subscribed=rng.random() < SUBSCRIBED_SHARE,
        rate_per_week=rng.gammavariate(RATE_SHAPE, RATE_SCALE), dropout=rng.betavariate(DROPOUT_A, DROPOUT_B))


def _daytime(rng: random.Random, moment: datetime, offset: timezone) -> datetime:
    """`moment`'s local day at a shopping hour (08:00-22:00 local), whole seconds."""
    local = moment.astimezone(offset)
    at = datetime.combine(local.date(), time(8), offset) + timedelta(seconds=rng.randrange(14 * 3600))
    return at


MAX_GAP_WEEKS = 10 * 52       # past any demo's end: no later order


def order_times(plan: Plan, c: Customer) -> list[datetime]:
    """When the customer orders: first soon after joining, then at exponential gaps until they drop out."""
    rng = _rng(plan, "orders", c.n)
    if rng.random() >= ORDERING_SHARE:
        return []
    times: list[datetime] = []
    at = c.joined + timedelta(minutes=rng.randrange(5, 6 * 60))
    while at < plan.stop and len(times) < MAX_ORDERS:
        times.append(at)
        if rng.random() < c.dropout or c.rate_per_week <= 0:
            break
        at = at + timedelta(weeks=min(rng.expovariate(c.rate_per_week), MAX_GAP_WEEKS))   # a very slow buyer
        at = max(_daytime(rng, at, c.offset), times[-1] + timedelta(hours=1))
    return [t for t in times if t < plan.stop]


def _lines(rng: random.Random) -> list[tuple[int, Decimal, int, Decimal]]:
    """(product index, unit price, quantity, discount) per line; the lines' value is lognormal."""
    value = Decimal(str(max(rng.lognormvariate(VALUE_MU, VALUE_SIGMA), 5.0))).quantize(CENT)
    count = rng.choice((1, 1, 2, 2, 3))
    shares = [rng.uniform(0.5, 1.5) for _ in range(count)]
    total = sum(shares)
    lines, left = [], value
    products = rng.sample(range(len(payloads.PRODUCTS)), count)
    for i, (product, share) in enumerate(zip(products, shares, strict=True)):
        amount = left if i == count - 1 else (value * Decimal(share / total)).quantize(CENT)
        left -= amount
        quantity = 2 if amount > 40 and rng.random() < 0.3 else 1
        price = (amount / quantity).quantize(CENT, rounding=ROUND_HALF_UP)
        discount = Decimal(0)
        if rng.random() < DISCOUNT_SHARE:
            discount = (price * quantity / 10).quantize(CENT)
        lines.append((product, price, quantity, discount))
    return lines


def _customer_events(plan: Plan, c: Customer) -> Iterator[Event]:
    yield Event(c.joined, "customers/create", payloads.webhook_id(plan.seed, "customers/create", c.customer_id),
                payloads.customer_body(c), c.n)
    if c.subscribed:
        yield Event(c.joined + timedelta(minutes=1), "customers_email_marketing_consent/update",
                    payloads.webhook_id(plan.seed, "consent", c.customer_id), payloads.consent_body(c), c.n)
    rng = _rng(plan, "after-orders", c.n)
    for k, at in enumerate(order_times(plan, c)):
        order_id = payloads.order_id(plan.seed, c.n, k)
        lines = _lines(_rng(plan, "lines", c.n, k))
        order = payloads.order_body(c, order_id, at, lines)
        yield Event(at, "orders/paid", payloads.webhook_id(plan.seed, "orders/paid", order_id), order, c.n)
        shipped = at + timedelta(hours=rng.randrange(12, 72))
        delivered = shipped + timedelta(hours=rng.randrange(24, 120))
        if delivered < plan.stop:
            yield Event(shipped, "fulfillments/create", payloads.webhook_id(plan.seed, "fulfillments/create",
                                                                            order_id),
                        payloads.fulfillment_body(order, shipped, None), c.n)
            yield Event(delivered, "fulfillments/update", payloads.webhook_id(plan.seed, "fulfillments/update",
                                                                              order_id),
                        payloads.fulfillment_body(order, shipped, delivered), c.n)
        if rng.random() < REFUND_SHARE:
            refunded = at + timedelta(days=rng.randrange(3, 21), minutes=rng.randrange(600))
            if refunded < plan.stop:
                line = rng.randrange(len(lines))
                yield Event(refunded, "refunds/create", payloads.webhook_id(plan.seed, "refunds/create", order_id),
                            payloads.refund_body(order, line, refunded), c.n)
        if k >= 1 and rng.random() < REDEEM_SHARE:
            asked = at + timedelta(days=rng.randrange(1, 10), minutes=rng.randrange(1440))
            if asked < plan.stop:
                key = f"demo-{plan.seed}-redeem-{order_id}"
                yield Event(asked, "redeem", key, {"customer_id": c.customer_id, "idempotency_key": key,
                                                   "reward": "small" if rng.random() < 0.75 else "large"}, c.n)


def generate(plan: Plan) -> Population:
    """The plan's customers and everything they do, in time order (ties in a fixed order)."""
    customers = tuple(customer(plan, n) for n in range(1, plan.customers + 1))
    events = [e for c in customers for e in _customer_events(plan, c)]
    events.sort(key=lambda e: (e.at, e.key))
    return Population(plan, customers, tuple(events))


def steps(plan: Plan, days: int = 7) -> list[tuple[datetime, datetime]]:
    """The walk through time: [from, to) windows of `days` from the start to the end (the last may be shorter)."""
    found, at = [], plan.start
    while at < plan.stop:
        following = min(at + timedelta(days=days), plan.stop)
        found.append((at, following))
        at = following
    return found


def in_window(events: tuple[Event, ...], start: datetime, end: datetime) -> list[Event]:
    return [e for e in events if start <= e.at < end]


def survey_answer(seed: int, survey_key: str, scale_max: int = 10) -> tuple[int, str | None] | None:
    """How a customer answers a survey (None: not at all), from the seed and the survey's own key. NPS (0-10): about
    half promoters, 30 % passives, 20 % detractors; CSAT (1-5) alike on its scale. Half the answers have a comment."""
    digest = hashlib.sha256(f"{seed}:answer:{survey_key}".encode()).digest()
    rng = random.Random(int.from_bytes(digest[:8], "big"))  # noqa: S311 - demo data, not a secret
    if rng.random() >= ANSWER_SHARE:
        return None
    kind = rng.choices(("promoter", "passive", "detractor"), weights=(50, 30, 20))[0]
    if scale_max == 10:
        score = {"promoter": rng.choice((9, 10)), "passive": rng.choice((7, 8)),
                 "detractor": rng.choice((0, 2, 3, 4, 5, 6))}[kind]
    else:
        score = {"promoter": 5, "passive": 4, "detractor": rng.choice((1, 2, 3))}[kind]
    comment = rng.choice(COMMENTS[kind]) if rng.random() < COMMENT_SHARE else None
    return score, comment
