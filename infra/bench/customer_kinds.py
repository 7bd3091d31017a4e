"""The customer topics' kinds: enrolment with the signup bonus, marketing consent, erasure and data requests.

Each kind draws its customers from its own id block; all but enrolment act on members enrolled in SETUP.
"""
from __future__ import annotations

from collections.abc import Callable

from infra.bench.payloads import (
    DATA_REQUEST_BASE,
    Envelope,
    consent_payload,
    customer_id,
    customer_payload,
    data_request_payload,
    envelope,
    redact_payload,
)


def _created(block: int, i: int) -> Envelope:
    return envelope(customer_payload(customer_id(block, i)), f"{block}:{i}:customer", "customers/create")


def enrolment(i: int) -> Envelope:
    """customers/create of a new customer: the profile and the one-time signup bonus."""
    return _created(10, i)


def consent(i: int) -> Envelope:
    """customers_email_marketing_consent/update of a member enrolled in SETUP."""
    return envelope(consent_payload(customer_id(11, i)), f"11:{i}:consent", "customers_email_marketing_consent/update")


def redact(i: int) -> Envelope:
    """customers/redact of a member enrolled in SETUP: email, name and identities go, the ledger stays."""
    return envelope(redact_payload(customer_id(12, i)), f"12:{i}:redact", "customers/redact")


def data_request(i: int) -> Envelope:
    """customers/data_request of a member enrolled in SETUP: the request is kept for the merchant."""
    body = data_request_payload(customer_id(13, i), DATA_REQUEST_BASE + i)
    return envelope(body, f"13:{i}:data_request", "customers/data_request")


def _enrolled(block: int) -> Callable[[int], list[Envelope]]:
    return lambda n: [_created(block, i) for i in range(n)]


CUSTOMER_KINDS: dict[str, Callable[[int], Envelope]] = {
    "customers/create": enrolment,
    "customers_email_marketing_consent/update": consent,
    "customers/redact": redact,
    "customers/data_request": data_request,
}
CUSTOMER_SETUP: dict[str, Callable[[int], list[Envelope]]] = {
    "customers_email_marketing_consent/update": _enrolled(11),
    "customers/redact": _enrolled(12),
    "customers/data_request": _enrolled(13),
}
