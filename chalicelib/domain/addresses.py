"""A recipient address we may mail: exactly one plain addr-spec, nothing that a header would read as more.

A customer's email comes from a platform payload; "a@example.com, b@example.com" is text a To header (and SES)
reads as two recipients. So an address is used only when the email package parses it back to exactly one
addr-spec equal to the stored text; anything else is skipped with a reason, never sent.
"""
from __future__ import annotations

import re
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import getaddresses

MAX_ADDRESS = 254                                     # RFC 5321's limit on a forward path
_NOT_IN_ADDRESS = re.compile(r"[\s\x00-\x1f\x7f-\x9f,;<>]")


def single_address(text: str | None) -> str | None:
    """`text` itself when it is exactly one plain address (no display name, no list), else None."""
    if not text or len(text) > MAX_ADDRESS or _NOT_IN_ADDRESS.search(text) or not text.isascii():
        return None
    if getaddresses([text]) != [("", text)]:
        return None
    try:
        address = Address(addr_spec=text)
    except (ValueError, IndexError, HeaderParseError):
        return None
    return text if address.addr_spec == text and address.username and "." in address.domain else None
