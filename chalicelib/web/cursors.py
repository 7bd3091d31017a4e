"""Signed cursors: a listing's position, bound to the program and the listing by an HMAC.

A client can only hand back a cursor this API issued for the same listing (the same member's ledger, the same
export); anything else, edited by hand or taken from another listing, is a 400 `invalid_cursor` before the
position is decoded. The key derives from the program's `unsubscribe_secret` (generated at deploy; the previous
one still verifies during a rotation), so there is no new secret to provision. The adapters still check every
position in full (adapters/cursors.py, adapters/shop_cursor.py), signed or not.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re

from chalicelib import bootstrap
from chalicelib.domain.errors import InvalidRequest

_PURPOSE = b"loyalty admin API cursor v1"
_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,2000}\.[A-Za-z0-9_-]{32}")


def sealed(position: str | None, program_id: str, listing: str) -> str | None:
    """The cursor to hand out for `position` (None: the listing is done)."""
    if position is None:
        return None
    return f"{position}.{_mac(_keys(program_id)[0], program_id, listing, position)}"


def opened(cursor: str | None, program_id: str, listing: str) -> str | None:
    """The position in a cursor this API issued for the listing; None for no cursor (the first page)."""
    if not cursor:
        return None
    if not _SHAPE.fullmatch(cursor):
        raise InvalidRequest("cursor is not one this API issued", code="invalid_cursor")
    position, _, mac = cursor.partition(".")
    if not any(hmac.compare_digest(mac, _mac(key, program_id, listing, position)) for key in _keys(program_id)):
        raise InvalidRequest("cursor is not one this API issued for this listing", code="invalid_cursor")
    return position


def _keys(program_id: str) -> list[bytes]:
    secrets = bootstrap.get_directory().messaging(program_id).unsubscribe_secrets or (b"",)
    return [hmac.new(secret, _PURPOSE, hashlib.sha256).digest() for secret in secrets]


def _mac(key: bytes, program_id: str, listing: str, position: str) -> str:
    signed = "\x1f".join((program_id, listing, position)).encode()
    return base64.urlsafe_b64encode(hmac.new(key, signed, hashlib.sha256).digest()[:24]).decode()
