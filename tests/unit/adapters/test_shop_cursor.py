"""Shop-index cursors: opaque and url-safe, refused when altered or used on another program or listing."""
import base64
import json

import pytest

from chalicelib.adapters.shop_cursor import LEDGER, MEMBERS, ORDERS, Position, decode_position, encode_position
from chalicelib.domain.errors import InvalidRequest

SHOP = "demo-shop.myshopify.com"


def forged(**plain):
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


@pytest.mark.parametrize(("listing", "position"), [
    (MEMBERS, Position(3, "P#demo#M#m_abc")), (LEDGER, Position(15, "P#demo#M#m_abc", "L#2026-11-20T#e_1")),
    (ORDERS, Position(0, f"P#demo#O#{SHOP}#42")), (MEMBERS, Position()),
])
def test_a_position_survives_its_cursor(listing, position):
    cursor = encode_position(listing, position)
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_position(cursor, listing, "demo", SHOP) == position


@pytest.mark.parametrize("cursor", [
    "not-base64!", encode_position(MEMBERS, Position(1, "P#demo#M#m_1"))[:-2] + "zz", "x" * 2000,
    encode_position(MEMBERS, Position(1, "P#other#M#m_1")),
    encode_position(LEDGER, Position(1, "P#demo#M#m_1")),                 # another listing's cursor
    forged(l=MEMBERS, s=16, k=None, e=None), forged(l=MEMBERS, s=True, k=None, e=None),
    forged(l=MEMBERS, s=1, k="P#demo#M#", e=None), forged(l=MEMBERS, s=1, k="P#demo#M#m_1", e="L#x"),
    forged(l=LEDGER, s=1, k=None, e="L#x"), forged(l=MEMBERS, s=1, k=None), forged(l=MEMBERS, s=1, k=7, e=None),
    base64.urlsafe_b64encode(b"[1, 2]").decode(),
])
def test_an_altered_or_foreign_cursor_is_refused(cursor):
    with pytest.raises(InvalidRequest) as refused:
        decode_position(cursor, MEMBERS, "demo", SHOP)
    assert refused.value.code == "invalid_cursor"


def test_an_orders_cursor_of_another_shop_is_refused():
    cursor = encode_position(ORDERS, Position(1, "P#demo#O#other-shop.myshopify.com#42"))
    with pytest.raises(InvalidRequest):
        decode_position(cursor, ORDERS, "demo", SHOP)
