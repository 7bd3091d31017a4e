"""Webhook signature checks: pure functions over the raw body bytes, constant-time comparisons."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable

from chalicelib.domain.errors import InvalidSignature


def shopify_signature(secret: bytes, raw_body: bytes) -> str:
    """The X-Shopify-Hmac-Sha256 value Shopify sends for this body (also used by tests and the signer)."""
    return base64.b64encode(hmac.new(secret, raw_body, hashlib.sha256).digest()).decode()


def verify_shopify(raw_body: bytes, header: str | None, secrets: Iterable[bytes]) -> None:
    """Accept the body when any configured secret (current, then previous) produced the header."""
    if not header:
        raise InvalidSignature("missing X-Shopify-Hmac-Sha256 header")
    try:
        sent = base64.b64decode(header, validate=True)
    except (binascii.Error, ValueError) as e:
        raise InvalidSignature("signature is not base64") from e
    matches = [hmac.compare_digest(hmac.new(s, raw_body, hashlib.sha256).digest(), sent) for s in secrets if s]
    if not any(matches):
        raise InvalidSignature("signature does not match")
