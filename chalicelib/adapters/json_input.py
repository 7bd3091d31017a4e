"""JSON from outside (webhook bodies and their queued copies): strict, bounded, every refusal an InvalidPayload.

Standard JSON only (no NaN, Infinity or -Infinity), numbers of at most MAX_NUMBER_CHARS characters (Python's own
int limit would raise a bare ValueError deep inside a parser, and no platform id or amount is that long), and at
most MAX_DEPTH levels of arrays and objects: json's C scanner raises RecursionError on deep nesting, which would
otherwise escape as a 500; the depth is then checked without recursion, so no later walk of the value can recurse
out of the stack either.
"""
from __future__ import annotations

import json
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from chalicelib.domain.errors import InvalidPayload

MAX_DEPTH = 64             # a Shopify order is about 8 deep, a HubSpot batch 3
MAX_NUMBER_CHARS = 64      # Shopify ids have at most 20 digits, amounts a few more


def loads(raw: bytes | str, *, parse_float: Callable[[str], Any] = Decimal, max_depth: int = MAX_DEPTH) -> Any:
    """The value of a UTF-8 JSON document; InvalidPayload for anything else (bad UTF-8, bad or non-standard
    JSON, an over-long number, nesting deeper than `max_depth`). Floats go through `parse_float`."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes | bytearray) else raw
        value = json.loads(text, parse_float=_bounded(parse_float), parse_int=_bounded(int),
                           parse_constant=_refuse_constant)
    except RecursionError as e:
        raise InvalidPayload(f"JSON is nested more than {max_depth} levels deep") from e
    except (UnicodeDecodeError, ValueError, TypeError) as e:
        raise InvalidPayload("body is not valid JSON in UTF-8") from e
    if _depth_exceeds(value, max_depth):
        raise InvalidPayload(f"JSON is nested more than {max_depth} levels deep")
    return value


def finite_float(text: str) -> float:
    """A parse_float for payloads kept as floats: 1e999 would become inf, which JSON cannot carry."""
    value = float(text)
    if not math.isfinite(value):
        raise InvalidPayload("a JSON number is out of range")
    return value


def _bounded(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse_number(text: str) -> Any:
        if len(text) > MAX_NUMBER_CHARS:
            raise InvalidPayload(f"a JSON number is longer than {MAX_NUMBER_CHARS} characters")
        return parse(text)
    return parse_number


def _refuse_constant(name: str) -> Any:
    raise InvalidPayload(f"{name} is not a JSON number")


def _depth_exceeds(value: Any, limit: int) -> bool:
    """True when arrays and objects nest more than `limit` levels (the top-level one is level 1); no recursion."""
    pending = [(value, 1)] if isinstance(value, dict | list) else []
    while pending:
        node, depth = pending.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False
