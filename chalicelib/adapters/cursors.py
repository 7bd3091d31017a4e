"""Opaque pagination cursors: a query's last key, url-safe and bound to one partition and sort-key prefix.

A position is checked in full before it becomes an ExclusiveStartKey: strict base64url of a JSON object with just
PK and SK, the listing's partition, a sort key of the listing's prefix in printable ASCII of bounded length. So a
hand-edited cursor is a 400 `invalid_cursor`, never a key DynamoDB refuses with a fault.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from chalicelib.domain.errors import InvalidRequest

MAX_CURSOR = 1024
_SORT_KEY = re.compile(r"[\x21-\x7e]{1,256}")


def encode_cursor(last_key: dict[str, Any]) -> str:
    plain = {name: value["S"] for name, value in last_key.items()}
    return base64.urlsafe_b64encode(json.dumps(plain, sort_keys=True).encode()).decode().rstrip("=")


def item_cursor(item: dict[str, Any]) -> str:
    """The cursor that continues after `item` (a base-table query: its PK and SK)."""
    return encode_cursor({"PK": item["PK"], "SK": item["SK"]})


def decode_cursor(cursor: str, expected_pk: str, sk_prefix: str = "") -> dict[str, Any]:
    refused = InvalidRequest("cursor is not one this API issued", code="invalid_cursor")
    if not 0 < len(cursor) <= MAX_CURSOR:
        raise refused
    try:
        plain = json.loads(base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True))
    except (binascii.Error, ValueError, RecursionError) as e:
        raise refused from e
    if not isinstance(plain, dict) or set(plain) != {"PK", "SK"} or plain["PK"] != expected_pk:
        raise refused
    sort_key = plain["SK"]
    if not isinstance(sort_key, str) or not _SORT_KEY.fullmatch(sort_key) or not sort_key.startswith(sk_prefix):
        raise refused
    return {"PK": {"S": expected_pk}, "SK": {"S": sort_key}}
