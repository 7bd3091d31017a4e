"""SES message tags on the mail we send, so bounce, complaint, delivery and open events say whose mail it was (and,
for the dispatcher's messages, which member's message: delivery and opens are recorded on it).

SES tag values may only hold ASCII letters, digits, `_` and `-` (at most 256 characters). A value that fits and
does not start with the `b64_` marker is sent as it is; any other is sent as `b64_` + its UTF-8 in unpadded
base64url (whose alphabet fits). Decoding is therefore unambiguous. A value too long even then is not sent.
"""
from __future__ import annotations

import base64
import binascii
import re

PROGRAM_TAG = "loyalty-program"
KIND_TAG = "loyalty-kind"
MEMBER_TAG = "loyalty-member"
MESSAGE_TAG = "loyalty-message"
MAX_VALUE = 256
_MARK = "b64_"
_FITS = re.compile(r"[A-Za-z0-9_-]+")


def encode_value(value: str) -> str | None:
    """The tag value SES accepts for `value`; None when it cannot be sent (too long once encoded)."""
    if _FITS.fullmatch(value) and not value.startswith(_MARK) and len(value) <= MAX_VALUE:
        return value
    encoded = _MARK + base64.urlsafe_b64encode(value.encode()).rstrip(b"=").decode("ascii")
    return encoded if len(encoded) <= MAX_VALUE else None


def decode_value(value: object) -> str | None:
    """The value `encode_value` was given; None for anything it could not have produced."""
    if not isinstance(value, str) or not _FITS.fullmatch(value):
        return None
    if not value.startswith(_MARK):
        return value
    text = value.removeprefix(_MARK)
    try:
        decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    except (binascii.Error, ValueError):
        return None
    return decoded if decoded and encode_value(decoded) == value else None


def ses_tags(program_id: str, kind: str, member_id: str | None = None,
             message_id: str | None = None) -> list[dict[str, str]]:
    """The `Tags` of a SendRawEmail request (values that cannot be encoded, or that are not given, are left out)."""
    pairs = ((PROGRAM_TAG, encode_value(program_id)), (KIND_TAG, encode_value(kind)),
             (MEMBER_TAG, encode_value(member_id) if member_id else None),
             (MESSAGE_TAG, encode_value(message_id) if message_id else None))
    return [{"Name": name, "Value": value} for name, value in pairs if value]
