"""Opaque pagination cursors: DynamoDB's LastEvaluatedKey, url-safe and bound to one partition."""
from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from chalicelib.domain.errors import InvalidRequest


def encode_cursor(last_key: dict[str, Any]) -> str:
    plain = {name: value["S"] for name, value in last_key.items()}
    return base64.urlsafe_b64encode(json.dumps(plain, sort_keys=True).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, expected_pk: str) -> dict[str, Any]:
    try:
        plain = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError) as e:
        raise InvalidRequest("cursor is not one this API issued", code="invalid_cursor") from e
    if not isinstance(plain, dict) or plain.get("PK") != expected_pk or not isinstance(plain.get("SK"), str):
        raise InvalidRequest("cursor is not one this API issued", code="invalid_cursor")
    return {"PK": {"S": plain["PK"]}, "SK": {"S": plain["SK"]}}
