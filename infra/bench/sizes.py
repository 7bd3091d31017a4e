"""DynamoDB item sizes and write units, estimated by AWS's "Item sizes and formats" rules.

Items are in the low-level attribute-value format the client sends (`{"S": ...}`, `{"N": "12"}`, `{"M": {...}}`).
Size of an item = sum over attributes of (UTF-8 bytes of the name) + (size of the value):

    S     UTF-8 bytes                      B     raw bytes (not base64)
    N     1 per 2 significant digits + 1, + 1 if negative (see number_size)
    BOOL  1                                NULL  1
    SS/NS/BS  sum of the element sizes (AWS documents no set overhead)
    L     3 + sum(1 + element size)        M     3 + sum(1 + UTF-8 bytes of key + element size)

One write unit per started KB (1,024 bytes) of the item, at least one; ×2 for a write inside TransactWriteItems.
These sizes were checked once, by hand, against DynamoDB Local 3.3.0's ReturnConsumedCapacity for single-item
puts at the 1 KB boundary, for every type; `python -m infra.bench --verbose` prints the backend's own figures.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

KB = 1024
Item = Mapping[str, Any]


def _utf8(text: str) -> int:
    return len(text.encode("utf-8"))


def _raw(data: bytes | bytearray | str) -> int:
    return len(data.encode("utf-8") if isinstance(data, str) else data)  # botocore sends a str blob as UTF-8


def number_size(text: str) -> int:
    """Bytes of a number: one per pair of significant digits, pairs aligned on the decimal point, plus one;
    plus one more when negative. AWS documents "approximately 1 byte per two significant digits + 1"; this exact
    form (base-100 digits) matches what DynamoDB Local 3.3.0 charges at KB boundaries, e.g. 1.5 → 3, 150 → 3."""
    sign, digits, exponent = Decimal(text).as_tuple()
    trimmed = list(digits)
    while trimmed and trimmed[-1] == 0:  # trailing zeros: into the exponent (no rounding, unlike normalize())
        trimmed.pop()
        exponent = int(exponent) + 1
    if not trimmed:
        return 1  # zero
    pad = (len(trimmed) + int(exponent)) % 2  # a leading zero so the point falls between pairs
    return math.ceil((pad + len(trimmed)) / 2) + 1 + sign


_SCALARS: dict[str, Callable[[Any], int]] = {
    "S": _utf8,
    "N": number_size,
    "B": _raw,
    "BOOL": lambda _: 1,
    "NULL": lambda _: 1,
    "SS": lambda values: sum(_utf8(v) for v in values),
    "NS": lambda values: sum(number_size(v) for v in values),
    "BS": lambda values: sum(_raw(v) for v in values),
}


def value_size(value: Mapping[str, Any]) -> int:
    """Size of one attribute value, without its name."""
    if len(value) != 1:
        raise ValueError(f"an attribute value has exactly one type, got {sorted(value)}")
    kind, data = next(iter(value.items()))
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in data)
    if kind == "M":
        return 3 + sum(1 + _utf8(k) + value_size(v) for k, v in data.items())
    if kind not in _SCALARS:
        raise ValueError(f"unknown attribute value type {kind!r}")
    return _SCALARS[kind](data)


def item_size(item: Item) -> int:
    """Bytes DynamoDB counts for the item: attribute names plus values."""
    return sum(_utf8(name) + value_size(value) for name, value in item.items())


def write_units(size: int) -> int:
    """Write units of one standard write of an item of `size` bytes: one per started KB, at least one."""
    return max(1, math.ceil(size / KB))


def item_write_units(size_before: int, size_after: int, transactional: bool) -> int:
    """A table write is priced on the larger of the item before and after it (0 = absent); ×2 in a transaction."""
    units = write_units(max(size_before, size_after))
    return 2 * units if transactional else units


@dataclass(frozen=True)
class Index:
    """A global secondary index as the table description gives it."""

    name: str
    keys: tuple[str, ...]
    projection: str = "ALL"  # ALL, KEYS_ONLY or INCLUDE
    included: tuple[str, ...] = ()

    @classmethod
    def from_description(cls, index: Mapping[str, Any]) -> Index:
        projection = index.get("Projection", {})
        return cls(index["IndexName"], tuple(k["AttributeName"] for k in index["KeySchema"]),
                   projection.get("ProjectionType", "ALL"), tuple(projection.get("NonKeyAttributes", ())))


def index_entry(item: Item | None, index: Index, table_keys: tuple[str, ...]) -> dict[str, Any] | None:
    """The item's entry in the index (its projection), or None when the item lacks an index key (sparse index)."""
    if item is None or not all(k in item for k in index.keys):
        return None
    if index.projection == "ALL":
        return dict(item)
    names = {*table_keys, *index.keys, *(index.included if index.projection == "INCLUDE" else ())}
    return {k: v for k, v in item.items() if k in names}


def index_write_units(before: Item | None, after: Item | None, index: Index, table_keys: tuple[str, ...]) -> int:
    """Index writes caused by one table write (AWS's GSI write rules; DynamoDB Local 3.3.0 agrees outside transactions).

    A new entry is one put; a removed entry one delete; a changed index key a delete plus a put; a changed
    projection one write priced on the larger entry; an unchanged entry nothing. Never doubled: AWS doubles the
    transaction's own item writes (prepare + commit), and the index is updated from the committed item.
    (DynamoDB Local reports index writes of transactions doubled, but its transaction figures are unreliable.)
    """
    old, new = index_entry(before, index, table_keys), index_entry(after, index, table_keys)
    if old == new:
        return 0
    if old is None or new is None:
        return write_units(item_size(new if old is None else old))  # type: ignore[arg-type]
    if any(old[k] != new[k] for k in index.keys):
        return write_units(item_size(old)) + write_units(item_size(new))
    return write_units(max(item_size(old), item_size(new)))
