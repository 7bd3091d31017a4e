"""Webhook signature checks: pure functions over the raw body bytes, constant-time comparisons."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Collection, Iterable, Mapping

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


# HubSpot (platforms.md B1). v3: HMAC-SHA256, base64, over method + URI + body + timestamp (ms); v1/v2: plain
# SHA-256 hex over secret + body (v1) or secret + method + URI + body (v2), no timestamp: only where enabled.
HUBSPOT_TOLERANCE_MS = 300_000
_V3_DECODE = {"%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$", "%27": "'", "%28": "(",
              "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";"}
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


def hubspot_v3_uri(uri: str) -> str:
    """The URI as v3 signs it: these encoded characters decoded, every other escape left as it is."""
    return _ESCAPE.sub(lambda m: _V3_DECODE.get(m.group(0).upper(), m.group(0)), uri)


def hubspot_v3_signature(secret: bytes, method: str, uri: str, raw_body: bytes, timestamp: str) -> str:
    """The X-HubSpot-Signature-v3 value for this request (also used by tests and the signer)."""
    message = method.encode() + hubspot_v3_uri(uri).encode() + raw_body + timestamp.encode()
    return base64.b64encode(hmac.new(secret, message, hashlib.sha256).digest()).decode()


def hubspot_legacy_signature(secret: bytes, version: str, method: str, uri: str, raw_body: bytes) -> str:
    """The X-HubSpot-Signature value of a v1 or v2 request (hex SHA-256, not an HMAC)."""
    signed = secret + raw_body if version == "v1" else secret + method.encode() + uri.encode() + raw_body
    return hashlib.sha256(signed).hexdigest()


def verify_hubspot(headers: Mapping[str, str], method: str, uri: str, raw_body: bytes, secrets: Iterable[bytes],
                   versions: Collection[str], now_ms: int) -> None:
    """Accept the request when a configured secret signed it in an accepted version.

    `headers` have lower-case names. A v3 signature, when sent and accepted, decides alone (so a stale v3
    request cannot pass through its v1/v2 copy); v1/v2 are checked only when the program enables them.
    """
    keys = [s for s in secrets if s]
    v3 = headers.get("x-hubspot-signature-v3")
    if v3 and "v3" in versions:
        _verify_v3(v3, headers.get("x-hubspot-request-timestamp"), method, uri, raw_body, keys, now_ms)
        return
    version = (headers.get("x-hubspot-signature-version") or "").strip().lower()
    legacy = headers.get("x-hubspot-signature")
    if not legacy or version not in {"v1", "v2"}:
        raise InvalidSignature("missing X-HubSpot-Signature-v3 header")
    if version not in versions:
        raise InvalidSignature(f"signature version {version} is not accepted for this program")
    sent = legacy.strip().lower().encode()
    if not any([hmac.compare_digest(hubspot_legacy_signature(k, version, method, uri, raw_body).encode(), sent)
                for k in keys]):
        raise InvalidSignature("signature does not match")


def _verify_v3(signature: str, timestamp: str | None, method: str, uri: str, raw_body: bytes, keys: list[bytes],
               now_ms: int) -> None:
    if not timestamp or not (timestamp.isascii() and timestamp.isdigit()):
        raise InvalidSignature("missing or malformed X-HubSpot-Request-Timestamp header")
    if abs(now_ms - int(timestamp)) > HUBSPOT_TOLERANCE_MS:
        raise InvalidSignature("request timestamp is more than 5 minutes away")
    try:
        sent = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError) as e:
        raise InvalidSignature("signature is not base64") from e
    expected = [base64.b64decode(hubspot_v3_signature(k, method, uri, raw_body, timestamp)) for k in keys]
    if not any([hmac.compare_digest(e, sent) for e in expected]):
        raise InvalidSignature("signature does not match")
