"""Redemptions: points exchanged for a reward, delivered as a single-use discount code for one customer."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

PENDING, REGISTERED, NOT_REGISTERED, FAILED = "pending_registration", "registered", "not_registered", "failed"

# No 0/O, 1/I/L: codes are read off emails and typed at checkout.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_GROUPS, _GROUP = 3, 4          # 12 symbols of 31: ~59 bits, on top of being single use and for one customer

MAX_ATTEMPTS = 8                # transient registration failures before the redemption is given up


@dataclass(frozen=True)
class Redemption:
    redemption_id: str
    member_id: str
    reward_id: str
    reward_name: str
    reward_kind: str
    reward_value: str | None          # decimal string, as in the catalog
    minimum_subtotal: str | None
    points: int
    code: str
    status: str
    created_at: datetime
    expires_at: datetime | None
    customer_id: str | None           # the Shopify customer the code is for (None: member has no Shopify identity)
    entry_id: str
    idempotency_key: str
    attempts: int = 0
    discount_id: str | None = None    # Shopify's id of the discount once registered
    last_error: str | None = None
    updated_at: datetime | None = None
    retry_at: datetime | None = None  # while pending: when registration is tried next


def new_code() -> str:
    """An unguessable, readable code such as LOY-7QK2-9XZM-4DPA."""
    groups = ("".join(secrets.choice(_ALPHABET) for _ in range(_GROUP)) for _ in range(_GROUPS))
    return "LOY-" + "-".join(groups)


def new_redemption_id() -> str:
    return "rd_" + secrets.token_hex(8)


def retry_delay(attempts: int) -> timedelta:
    """Backoff for transient registration failures: 1, 2, 4, … minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))
