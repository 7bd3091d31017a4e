"""The single-table key layout. Every partition key starts with the program id.

    member profile  PK=P#<program>#M#<member>   SK=PROFILE        GSI1PK=P#<program>#EMAIL#<email>
    ledger entry    PK=P#<program>#M#<member>   SK=L#<recorded at, UTC>#<entry id>
    business fact   PK=P#<program>#F#<key>      SK=FACT           (one per fact: the idempotency guard)
    order account   PK=P#<program>#O#<shop>#<order> SK=ORDER      (see dynamodb_orders.py)
    product tags    PK=P#<program>#PRODUCT#<shop>#<product> SK=PRODUCT
    identity link   PK=P#<program>#I#<identity key>  SK=LINK  (see dynamodb_identities.py)
Every profile is also filed in the sparse `Members` index, MEMBERPK=P#<program>#MEMBERS#<shard> MEMBERSK=<member>,
so a program's members are listed shard by shard (the nightly journey run fans out over the shards), never scanned.
Member ids follow from the member's primary platform identity (domain.ledger.member_id_for).
"""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from chalicelib.adapters.dynamodb_attributes import to_attributes

PROFILE = "PROFILE"
FACT = "FACT"
ENTRY_PREFIX = "L#"


PRODUCT = "PRODUCT"


def product_pk(program_id: str, shop: str, product_id: str) -> str:
    return f"P#{program_id}#PRODUCT#{shop}#{product_id}"


def member_pk(program_id: str, member_id: str) -> str:
    return f"P#{program_id}#M#{member_id}"


def email_pk(program_id: str, email: str) -> str:
    return f"P#{program_id}#EMAIL#{normalise_email(email)}"


def fact_pk(program_id: str, business_key: str) -> str:
    return f"P#{program_id}#F#{business_key}"



def entry_sk(recorded_at: datetime, entry_id: str) -> str:
    stamp = recorded_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return f"{ENTRY_PREFIX}{stamp}#{entry_id}"


SHOP_SHARDS = 16


def shop_index(program_id: str, shop: str, pk: str) -> dict[str, str]:
    """Keys of the sparse `Shop` index: what shop/redact must find, spread over shards by item."""
    shard = int(hashlib.sha256(pk.encode()).hexdigest()[:8], 16) % SHOP_SHARDS
    return {"SHOPPK": shop_partition(program_id, shop, shard), "SHOPSK": pk}


def shop_keys(program_id: str, shop: str, pk: str) -> dict[str, Any]:
    """The same keys as attribute values, for an item written without an adapter (bulk loads)."""
    return to_attributes(shop_index(program_id, shop, pk))


def shop_partition(program_id: str, shop: str, shard: int) -> str:
    return f"P#{program_id}#SHOP#{shop}#{shard}"


def shop_of(identity_value: str) -> str:
    """The shop in a Shopify identity value "<shop>:<customer id>"."""
    return identity_value.split(":", 1)[0]


MEMBER_SHARDS = 32


def member_shard(member_id: str) -> int:
    return int(hashlib.sha256(member_id.encode()).hexdigest()[:8], 16) % MEMBER_SHARDS


def members_partition(program_id: str, shard: int) -> str:
    return f"P#{program_id}#MEMBERS#{shard}"


def normalise_email(email: str) -> str:
    return email.strip().lower()
