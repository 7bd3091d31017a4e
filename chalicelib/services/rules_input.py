"""Rules sent through the admin API: the codec's field checks plus what a stored version must also meet.

Unknown fields are refused at every level, and sizes are bounded (lists, decimals, times), so nothing a caller
sends can overflow a computation or an item. Every problem is reported at once, each with its field path.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.program import DEFAULT_RULES, ProgramRules
from chalicelib.domain.rules_codec import rules_from_json, rules_to_json

MAX_JSON = 64_000
VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
_FIELDS = {"": set(rules_to_json(DEFAULT_RULES)), "tiers": {"name", "threshold", "multiplier"},
           "campaigns": {"name", "starts_at", "ends_at", "multiplier"}, "expiry": {"policy", "months"},
           "reviews": {"after_fulfillment_days", "after_delivery_days", "reminder_days", "overrides"},
           "reviews.overrides": {"tag", "days"}}
# Bounds beyond the codec's, shared with the rules shape of the OpenAPI document (web/shapes/rules.py).
LIST_SIZES = {"tiers": 20, "campaigns": 100, "excluded_product_tags": 500, "reviews.overrides": 100}
DECIMAL_BOUNDS = {"points_per_unit": Decimal(1000), "threshold": Decimal(10) ** 12, "multiplier": Decimal(100)}
DECIMAL_PLACES = 6
TAG_LENGTH = 255
_DECIMAL_FIELDS = {"": ("points_per_unit",), "tiers": ("threshold", "multiplier"), "campaigns": ("multiplier",)}


def parse_rules(body: Any, version: str, effective_from: datetime) -> ProgramRules:
    """Validated rules from a request body; `version` and `effective_from` fill in what the body leaves out."""
    if not isinstance(body, Mapping):
        raise InvalidRequest("send the rules as a JSON object", code="invalid_body")
    data = {**body, "version": version if body.get("version") is None else body["version"],
            "effective_from": effective_from.isoformat() if body.get("effective_from") is None
            else body["effective_from"]}
    problems = _shape(data)
    rules = None
    try:
        rules = rules_from_json(data)
    except InvalidRequest as e:
        problems.append(e.message)
    if rules is not None:
        problems += _times(rules)
    if problems or rules is None:
        raise InvalidRequest("; ".join(problems), code="invalid_rules")
    return rules


def _shape(data: Mapping[str, Any]) -> list[str]:
    if len(json.dumps(data, default=str)) > MAX_JSON:
        return [f"rules: at most {MAX_JSON:,} characters of JSON are taken"]
    problems: list[str] = []
    if isinstance(data.get("version"), str) and not VERSION.fullmatch(data["version"]):
        problems.append("version: letters, digits, '.', '_' and '-' only, at most 64 characters")
    problems += _unknown(data, "") + _big(data, "", "")
    for name, most in LIST_SIZES.items():
        if isinstance(data.get(name), list) and len(data[name]) > most:
            problems.append(f"{name}: at most {most} items")
    for i, tag in enumerate(_items(data, "excluded_product_tags")):
        if not isinstance(tag, str) or not 0 < len(tag) <= TAG_LENGTH:
            problems.append(f"excluded_product_tags[{i}]: a string of 1 to {TAG_LENGTH} characters is required")
    for name in ("tiers", "campaigns"):
        for i, item in enumerate(_items(data, name)):
            problems += _unknown(item, f"{name}[{i}]", name) + _big(item, f"{name}[{i}].", name)
    return problems + _nested(data)


def _nested(data: Mapping[str, Any]) -> list[str]:
    problems = _unknown(data.get("expiry"), "expiry") + _unknown(data.get("reviews"), "reviews")
    reviews = data.get("reviews")
    overrides = _items(reviews, "overrides") if isinstance(reviews, Mapping) else []
    if len(overrides) > LIST_SIZES["reviews.overrides"]:
        return [*problems, f"reviews.overrides: at most {LIST_SIZES['reviews.overrides']} items"]
    for i, item in enumerate(overrides):
        problems += _unknown(item, f"reviews.overrides[{i}]", "reviews.overrides")
    return problems


def _items(data: Mapping[str, Any], name: str) -> list[Any]:
    value = data.get(name)
    return value[:LIST_SIZES.get(name, 100) + 1] if isinstance(value, list) else []


def _unknown(data: Any, path: str, kind: str | None = None) -> list[str]:
    if not isinstance(data, Mapping):
        return []
    prefix = f"{path}." if path else ""
    return [f"{prefix}{name}: unknown field" for name in sorted(set(data) - _FIELDS[path if kind is None else kind])]


def _big(data: Any, prefix: str, kind: str) -> list[str]:
    """Decimals above their bound or with more than 6 places (the codec checks they are decimals at all)."""
    problems = []
    for name in _DECIMAL_FIELDS[kind]:
        most = DECIMAL_BOUNDS[name]
        raw = data.get(name) if isinstance(data, Mapping) else None
        try:
            value = Decimal(str(raw)) if isinstance(raw, str | int) and not isinstance(raw, bool) else None
        except InvalidOperation:
            continue
        if value is not None and value.is_finite() and (value > most or value.as_tuple().exponent < -DECIMAL_PLACES):
            problems.append(f"{prefix}{name}: at most {most} with at most {DECIMAL_PLACES} decimal places")
    return problems


def _times(rules: ProgramRules) -> list[str]:
    times = [("effective_from", rules.effective_from)]
    for i, c in enumerate(rules.campaigns):
        times += [(f"campaigns[{i}].starts_at", c.starts_at), (f"campaigns[{i}].ends_at", c.ends_at)]
    return [f"{name}: a time from 2000 to 2099 is required" for name, at in times if not EARLIEST <= at < LATEST]
