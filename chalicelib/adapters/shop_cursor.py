"""Opaque, url-safe cursors over the `Shop` index shards: a position bound to one program, shop and listing.

A position is a shard, the last key done in it (None: from the shard's start) and, for ledger listings, the
last entry done of that member (the member itself then still has entries to come).
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass

from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.domain.errors import InvalidRequest

MAX_CURSOR = 1024
_KEY = re.compile(r"[\x21-\x7e]{1,512}")
MEMBERS, LEDGER, ORDERS = "members", "ledger", "orders"


@dataclass(frozen=True)
class Position:
    shard: int = 0
    after: str | None = None      # the last partition key done in the shard
    entry: str | None = None      # ledger only: the last entry SK done of member `after`, which is not done yet


def key_prefix(program_id: str, shop: str, listing: str) -> str:
    """What the filed keys of a listing start with: member partitions, or the shop's order partitions."""
    return f"P#{program_id}#O#{shop}#" if listing == ORDERS else keys.member_pk(program_id, "")


def _key(value: object) -> bool:
    """A key part we could have written: printable ASCII of bounded length (DynamoDB refuses keys over 1,024 bytes)."""
    return isinstance(value, str) and _KEY.fullmatch(value) is not None


def encode_position(listing: str, position: Position) -> str:
    plain = {"l": listing, "s": position.shard, "k": position.after, "e": position.entry}
    return base64.urlsafe_b64encode(json.dumps(plain, sort_keys=True).encode()).decode().rstrip("=")


def decode_position(cursor: str | None, listing: str, program_id: str, shop: str) -> Position:
    if not cursor:
        return Position()
    refused = InvalidRequest("cursor is not one this API issued", code="invalid_cursor")
    try:
        if len(cursor) > MAX_CURSOR:
            raise refused
        plain = json.loads(base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True))
    except (binascii.Error, ValueError, RecursionError) as e:
        raise refused from e
    if not isinstance(plain, dict) or set(plain) != {"l", "s", "k", "e"} or plain["l"] != listing:
        raise refused
    shard, after, entry = plain["s"], plain["k"], plain["e"]
    if isinstance(shard, bool) or not isinstance(shard, int) or not 0 <= shard < keys.SHOP_SHARDS:
        raise refused
    if after is not None and not (_key(after) and after.startswith(key_prefix(program_id, shop, listing))
                                  and len(after) > len(key_prefix(program_id, shop, listing))):
        raise refused
    if entry is not None and not (listing == LEDGER and after and _key(entry) and entry.startswith(keys.ENTRY_PREFIX)):
        raise refused
    return Position(shard, after, entry)
