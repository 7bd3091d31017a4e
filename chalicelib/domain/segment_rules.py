"""Merchant-defined segments: a name and a predicate over member attributes, in a small declarative JSON form.

    {"name": "big-spenders", "description": "optional", "match": <predicate>}
    predicate = {"all": [p, ...]} | {"any": [p, ...]} | {"not": p} | {"field": F, "op": OP, "value": V}

Bounded: all, any and not nest at most MAX_DEPTH deep and a predicate holds at most MAX_CONDITIONS conditions. The
fields (`FIELDS`; "numeric ops" are eq, ne, lt, lte, gt, gte and between [low, high], inclusive):

- `stage`: the journey stage (prospect, first_time, repeat, loyal); eq, ne, in.
- `state`: the journey state (active, at_risk, lapsed, won_back), null for a prospect, which is a value here (eq null).
- `rfm_segment`: the RFM segment of the last nightly run (domain/rfm.py Segment); eq, ne, in.
- `rfm_recency`, `rfm_frequency`, `rfm_monetary`: the RFM scores 1–5 of the last nightly run; numeric ops.
- `tier`: the member's tier name; eq, ne, in.
- `orders`: the member's purchase days up to the evaluation time; numeric ops.
- `spend`: the total value of those purchase days, a decimal string; numeric ops.
- `last_order_days_ago`: whole days from the last purchase day to the evaluation time's UTC date; numeric ops.
- `predicted_clv`: the predicted 365-day value of the last nightly run with a fitted model, a decimal string.
- `p_alive`: the probability the customer is still active (same run), a decimal string from 0 to 1.
- `email_consent`: Shopify's email marketing consent state as stored on the member; eq, ne, in.
- `birthday_month`: the month of the member's birthday, 1–12; eq, in.
- `product_tags`: the tags of the products of the member's paid orders, as the products were tagged when paid,
  compared without case; `contains` one tag, `in` any of a list (members whose orders were paid before this field
  existed have the tags of their later orders only).

- `hubspot:<property>`: a HubSpot contact property the program syncs onto its members (program config
  `hubspot_synced_properties`, kept from contact.creation and contact.propertyChange webhooks, newest first), by its
  internal name; values are strings compared exactly (an enumeration's internal value, not its label); eq, ne, in,
  `contains` (one of the `;`-separated values of a multiple checkbox property), exists, not_exists. A cleared property
  is absent. Which properties a program syncs is its configuration, not the predicate's: services/segments.py
  refuses a field naming another one when a segment is defined.

`exists` / `not_exists` (no value) ask whether a field that may be null has a value: state, the rfm_ fields,
last_order_days_ago, predicted_clv, p_alive, email_consent, birthday_month and the hubspot: fields. Apart from
`state`, a field that is null matches no comparison (not even ne): a member with no purchase day never matches one on
last_order_days_ago, a member without a HubSpot property none on it.

`matches` takes the evaluation time from its caller, never a clock.
"""
from __future__ import annotations

import operator
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from chalicelib.domain import hubspot as hs
from chalicelib.domain.journey import Journey, Prediction, Rfm, Stage, State
from chalicelib.domain.ledger import Member
from chalicelib.domain.rfm import Segment

MAX_DEPTH = 4
MAX_CONDITIONS = 50
MAX_LISTED = 50                          # values of one `in`
KIND = "custom"
NAME = re.compile(r"(?!(?:stage|state|rfm|custom)(?:[-_]|$))[a-z0-9][a-z0-9_-]{0,63}")
NAME_WANTED = ("a lowercase name of 1 to 64 characters (a-z, 0-9, _ and -, starting with a letter or digit), not "
               "stage, state, rfm or custom nor one of them followed by - or _")
CONSENT_STATES = ("subscribed", "not_subscribed", "unsubscribed", "pending", "redacted", "invalid")
EQUALITY = ("eq", "ne", "in")
NUMERIC = ("eq", "ne", "lt", "lte", "gt", "gte", "between")
PRESENCE = ("exists", "not_exists")
HUBSPOT = "hubspot:"                     # a field `hubspot:<property>`: a synced HubSpot contact property
HUBSPOT_OPS = ("eq", "ne", "in", "contains", *PRESENCE)
MULTIPLE = ";"                           # between the values of a HubSpot multiple checkbox property
PREDICATE = 'one of {"all": [...]}, {"any": [...]}, {"not": ...} or a condition {"field", "op", "value"}'
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "lte": operator.le, "gt": operator.gt,
    "gte": operator.ge}


@dataclass(frozen=True)
class MemberView:
    """A member as a predicate sees it: the profile with a journey, RFM scores and prediction (the stored ones, or
    those a nightly run has just judged)."""

    member: Member
    journey: Journey
    rfm: Rfm | None
    prediction: Prediction | None

    @classmethod
    def of(cls, member: Member) -> MemberView:
        return cls(member, member.current_journey(), member.rfm, member.prediction)

    def days(self, now: datetime) -> list[date]:
        return [day for day in self.member.order_days() if day <= now.date()]


Reader = Callable[[MemberView, datetime], Any]


@dataclass(frozen=True)
class Field:
    ops: tuple[str, ...]
    wanted: str                              # one value, as the 400 says it
    read: Reader
    choices: tuple[str | None, ...] = ()     # a choice field; None among them: null is a value
    bounds: tuple[Decimal, Decimal] | None = None
    places: int = 0                          # bounds given: 0 an integer, else a decimal string with this many places
    many: bool = False                       # the member has a set of values: contains one, or `in` any of a list
    separator: str | None = None             # one text of separated values: contains one of them
    length: int = 100                        # characters of a string value, at most

    def takes(self, value: Any) -> bool:
        """Whether `value` is one value of this field."""
        if self.choices or not self.bounds:
            return value in self.choices if self.choices else isinstance(value, str) and 1 <= len(value) <= self.length
        number: Decimal | int | None
        if self.places == 0:
            number = value if isinstance(value, int) and not isinstance(value, bool) else None
        else:
            text = rf"(?:0|[1-9][0-9]{{0,15}})(?:\.[0-9]{{1,{self.places}}})?"
            number = Decimal(value) if isinstance(value, str) and re.fullmatch(text, value) else None
        return number is not None and self.bounds[0] <= number <= self.bounds[1]

    def operand(self, value: Any) -> Any:
        return Decimal(value) if self.places else value


def _choice(values: tuple[str | None, ...], ops: tuple[str, ...], read: Reader) -> Field:
    named = ", ".join(v for v in values if v is not None)
    return Field(ops, f"one of {named}" + (" or null" if None in values else ""), read, choices=values)


def _integer(low: int, high: int, ops: tuple[str, ...], read: Reader) -> Field:
    return Field(ops, f"an integer from {low:,} to {high:,}", read, bounds=(Decimal(low), Decimal(high)))


def _decimal(high: str, places: int, ops: tuple[str, ...], read: Reader) -> Field:
    return Field(ops, f"a decimal string from 0 to {high} with at most {places} decimals", read,
                 bounds=(Decimal(0), Decimal(high)), places=places)


def _score(name: str) -> Field:
    return _integer(1, 5, NUMERIC + PRESENCE, lambda v, now: getattr(v.rfm, name) if v.rfm else None)


def _last_order(view: MemberView, now: datetime) -> int | None:
    days = view.days(now)
    return (now.date() - days[-1]).days if days else None


def _p_alive(view: MemberView, now: datetime) -> Decimal | None:
    return Decimal(repr(view.prediction.p_alive)) if view.prediction else None


FIELDS: dict[str, Field] = {
    "stage": _choice(tuple(Stage), EQUALITY, lambda v, now: v.journey.stage),
    "state": _choice((*State, None), EQUALITY + PRESENCE, lambda v, now: v.journey.state),
    "rfm_segment": _choice(tuple(Segment), EQUALITY + PRESENCE, lambda v, now: v.rfm.segment if v.rfm else None),
    "rfm_recency": _score("recency"),
    "rfm_frequency": _score("frequency"),
    "rfm_monetary": _score("monetary"),
    "tier": Field(EQUALITY, "a string of 1 to 100 characters", lambda v, now: v.member.tier),
    "orders": _integer(0, 100_000, NUMERIC, lambda v, now: len(v.days(now))),
    "spend": _decimal("100000000", 2, NUMERIC,
                      lambda v, now: sum((v.member.purchase_days[d] for d in v.days(now)), Decimal(0))),
    "last_order_days_ago": _integer(0, 36_500, NUMERIC + PRESENCE, _last_order),
    "predicted_clv": _decimal("100000000", 2, NUMERIC + PRESENCE,
                              lambda v, now: v.prediction.predicted_clv_365d if v.prediction else None),
    "p_alive": _decimal("1", 4, NUMERIC + PRESENCE, _p_alive),
    "email_consent": _choice(CONSENT_STATES, EQUALITY + PRESENCE, lambda v, now: v.member.email_consent),
    "birthday_month": _integer(1, 12, ("eq", "in", *PRESENCE),
                               lambda v, now: v.member.birthday.month if v.member.birthday else None),
    "product_tags": Field(("contains", "in"), "a tag, a string of 1 to 100 characters",
                          lambda v, now: frozenset(_tag(t) for t in v.member.tags_bought), many=True),
}


FIELD_WANTED = (f"one of {', '.join(FIELDS)}, or {HUBSPOT}<property> with a synced HubSpot contact property's "
                "internal name")


def hubspot_property(name: str) -> str | None:
    """The HubSpot contact property a `hubspot:<property>` field names; None for any other field."""
    found = name.removeprefix(HUBSPOT)
    return found if name.startswith(HUBSPOT) and hs.SYNCED_NAME.fullmatch(found) else None


@lru_cache(maxsize=256)
def _hubspot_field(name: str) -> Field:
    return Field(HUBSPOT_OPS, f"a string of 1 to {hs.MAX_SYNCED_VALUE:,} characters (compared exactly)",
                 lambda v, now: v.member.hubspot_properties.get(name), separator=MULTIPLE,
                 length=hs.MAX_SYNCED_VALUE)


def field_of(name: Any) -> Field | None:
    """The field a condition names: one of FIELDS or a `hubspot:<property>`; None for anything else."""
    if not isinstance(name, str):
        return None
    found = hubspot_property(name)
    return _hubspot_field(found) if found is not None else FIELDS.get(name)


def hubspot_properties(predicate: Any, at: str = "match") -> list[tuple[str, str]]:
    """Every condition of a predicate on a HubSpot property: (its path, the property)."""
    if not isinstance(predicate, dict):
        return []
    if isinstance(predicate.get("field"), str):
        found = hubspot_property(predicate["field"])
        return [(at, found)] if found is not None else []
    if isinstance(predicate.get("not"), dict):
        return hubspot_properties(predicate["not"], f"{at}.not")
    return [hit for key in ("all", "any") if isinstance(predicate.get(key), list)
            for i, item in enumerate(predicate[key]) for hit in hubspot_properties(item, f"{at}.{key}[{i}]")]


def unsynced_problems(predicate: Any, synced: Collection[str], at: str = "match") -> list[str]:
    """A problem per condition on a HubSpot property the program does not sync (it would never hold a value)."""
    listed = ", ".join(synced) if synced else "none (program config hubspot_synced_properties)"
    return [f"{path}.field: {HUBSPOT}{name} is not a HubSpot property this program syncs; synced: {listed}"
            for path, name in hubspot_properties(predicate, at) if name not in synced]


def _tag(tag: str) -> str:
    return tag.strip().lower()


@dataclass(frozen=True)
class SegmentDefinition:
    name: str
    match: Mapping[str, Any]                 # a predicate without problems (predicate_problems)
    description: str | None
    created_at: datetime
    created_by: str                          # the API key that defined it


def predicate_problems(predicate: Any, at: str = "match") -> list[str]:
    """Every problem of a predicate, each `<path>: <what is required>`; none for a predicate `matches` can take."""
    found: list[str] = []
    conditions = _walk(predicate, at, 0, found)
    if conditions > MAX_CONDITIONS:
        found.append(f"{at}: at most {MAX_CONDITIONS} conditions (this has {conditions})")
    return found


def _walk(predicate: Any, at: str, depth: int, found: list[str]) -> int:
    """Check the predicate at `at` into `found`; the conditions it holds."""
    if not isinstance(predicate, dict) or not predicate:
        found.append(f"{at}: {PREDICATE}")
        return 0
    [first, *_] = predicate
    if first not in ("all", "any", "not") or len(predicate) > 1:
        if "field" in predicate or "op" in predicate or "value" in predicate:
            found.extend(_condition_problems(predicate, at))
            return 1
        found.append(f"{at}: {PREDICATE}")
        return 0
    if depth >= MAX_DEPTH:
        found.append(f"{at}: all, any and not nest at most {MAX_DEPTH} deep")
        return 0
    inner = predicate[first]
    if first == "not":
        return _walk(inner, f"{at}.not", depth + 1, found)
    if not isinstance(inner, list) or not 1 <= len(inner) <= MAX_CONDITIONS:
        found.append(f"{at}.{first}: a list of 1 to {MAX_CONDITIONS} predicates")
        return 0
    return sum(_walk(item, f"{at}.{first}[{i}]", depth + 1, found) for i, item in enumerate(inner))


def _condition_problems(condition: dict[str, Any], at: str) -> list[str]:
    found = [f"{at}.{name}: unknown field" for name in sorted(set(condition) - {"field", "op", "value"})]
    name = condition.get("field")
    spec = field_of(name)
    if spec is None:
        if isinstance(name, str) and name.startswith(HUBSPOT):
            return [*found, f"{at}.field: {HUBSPOT} then {hs.SYNCED_NAME_WANTED}"]
        return [*found, f"{at}.field: {FIELD_WANTED}"]
    op = condition.get("op")
    if op not in spec.ops:
        return [*found, f"{at}.op: for {name}, one of {', '.join(spec.ops)}"]
    if op in PRESENCE:
        return found + ([f"{at}.value: {op} takes no value"] if "value" in condition else [])
    value = condition.get("value", ...)
    if op == "in":
        ok = isinstance(value, list) and 1 <= len(value) <= MAX_LISTED and all(map(spec.takes, value))
        wanted = f"a list of 1 to {MAX_LISTED} values, each {spec.wanted}"
    elif op == "between":
        ok = isinstance(value, list) and len(value) == 2 and all(map(spec.takes, value)) \
            and spec.operand(value[0]) <= spec.operand(value[1])
        wanted = f"[low, high], each {spec.wanted}, low at most high"
    else:
        ok, wanted = spec.takes(value), spec.wanted
    return found + ([] if ok else [f"{at}.value: {wanted}"])


def matches(predicate: Mapping[str, Any], subject: Member | MemberView, now: datetime) -> bool:
    """Whether the member (as stored, or as a run judged it) is in the segment at `now`. The predicate has no
    problems (predicate_problems)."""
    view = subject if isinstance(subject, MemberView) else MemberView.of(subject)
    if "all" in predicate:
        return all(matches(p, view, now) for p in predicate["all"])
    if "any" in predicate:
        return any(matches(p, view, now) for p in predicate["any"])
    if "not" in predicate:
        return not matches(predicate["not"], view, now)
    name, op = predicate["field"], predicate["op"]
    spec = FIELDS.get(name) or _hubspot_field(name.removeprefix(HUBSPOT))
    actual = spec.read(view, now)
    if op in PRESENCE:
        return (actual is None) == (op == "not_exists")
    if actual is None and None not in spec.choices:
        return False
    value = predicate["value"]
    if spec.separator and op == "contains":
        return bool(value in actual.split(spec.separator))
    if spec.many:
        return bool(actual & {_tag(v) for v in (value if op == "in" else [value])})
    if op == "in":
        return actual in {spec.operand(v) for v in value}
    if op == "between":
        return bool(spec.operand(value[0]) <= actual <= spec.operand(value[1]))
    return _COMPARE[op](actual, spec.operand(value))
