"""Python values ↔ DynamoDB attribute values: the one place that writes and reads type tags.

An adapter maps an item kind's fields to plain values and back; what is stored follows from the Python type,
the same for every kind (boto3's TypeSerializer and TypeDeserializer underneath):

    str → S                      int, Decimal → N (a Decimal written in full, never with an exponent)
    bool → BOOL                  datetime, date → S (ISO 8601)
    set or frozenset of str → SS (sorted)                   list, tuple → L          dict → M
    NULL → NULL (a tombstone)    None, and an empty set, → left out of the item or map

Floats are refused. Reading gives str, Decimal, bool, set, list, dict, and None for NULL.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final, cast

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer


class _Null:
    """An attribute stored as DynamoDB's NULL, where None would leave it out."""

    def __repr__(self) -> str:
        return "NULL"


NULL: Final = _Null()

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def to_attribute(value: Any) -> dict[str, Any]:
    """One value as an attribute value."""
    if value is NULL:
        return {"NULL": True}
    if isinstance(value, datetime | date):
        return {"S": value.isoformat()}
    if isinstance(value, Decimal):
        return {"N": format(value, "f")}
    if isinstance(value, set | frozenset):
        return {"SS": sorted(_SERIALIZER.serialize(set(value))["SS"])}
    if isinstance(value, Mapping):
        return {"M": to_attributes(value)}
    if isinstance(value, list | tuple):
        return {"L": [to_attribute(v) for v in value]}
    return cast(dict[str, Any], _SERIALIZER.serialize(value))       # str, bool, int; a float is refused


def to_attributes(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Named values as attributes: an item, a key, a map, or an update's ExpressionAttributeValues."""
    return {name: to_attribute(value) for name, value in fields.items()
            if value is not None and not (isinstance(value, set | frozenset) and not value)}


def from_attributes(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item (or a key, or a map) as plain values."""
    return {name: _DESERIALIZER.deserialize(value) for name, value in item.items()}


def item_key(pk: str, sk: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def key_of(item: Mapping[str, Any]) -> tuple[str, str]:
    """An item's partition and sort key."""
    return item["PK"]["S"], item["SK"]["S"]


def when(stamp: str | None) -> datetime | None:
    """A stored ISO time, or None when the attribute is absent or NULL."""
    return None if stamp is None else datetime.fromisoformat(stamp)


def query_pages(client: Any, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every item a Query finds, page after page (the request's ExclusiveStartKey moves on)."""
    while True:
        response = client.query(**request)
        yield from response.get("Items", [])
        if "LastEvaluatedKey" not in response:
            return
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
