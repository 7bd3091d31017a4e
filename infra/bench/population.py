"""A member population for the job bench, bulk-loaded with BatchWriteItem (untimed, not through the worker).

Items are built with the app's own key helpers (dynamodb_keys.member_pk / PROFILE / email_pk / shop_keys and
dynamodb_members.due_put), so the layout matches what the worker writes. Every member has an `inactivity` due
item; all are due a month or more ahead except `due` members, spread over the population, whose last activity was 13
months before `now`: an inactivity expiry of 12 months makes their balance expire at `now`.
"""
from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.adapters.dynamodb_members import due_put
from chalicelib.domain.due import INACTIVITY_TASK
from chalicelib.domain.ledger import Identity, member_id_for
from chalicelib.domain.tiers import add_months
from infra.bench.payloads import customer_id
from infra.bench.recorder import Call

BATCH = 25  # BatchWriteItem's limit
BLOCK = 20  # customer id block of the job bench (the kinds use 1-13)
INACTIVITY_MONTHS = 12
Item = dict[str, Any]


def due_indices(size: int, due: int) -> list[int]:
    """Which members are due: `due` of them, spread evenly over the population."""
    return [k * size // due for k in range(due)]


def member_id(program_id: str, shop: str, n: int) -> str:
    return member_id_for(program_id, Identity("shopify", f"{shop}:{customer_id(BLOCK, n)}"))


def member_items(table: str, program_id: str, shop: str, n: int, is_due: bool, now: datetime) -> list[Item]:
    """The n-th member's profile and its `inactivity` due item, as the worker would have left them."""
    customer = customer_id(BLOCK, n)
    identity = Identity("shopify", f"{shop}:{customer}")
    mid, email = member_id_for(program_id, identity), f"customer-{customer}@example.com"
    active = add_months(now, -INACTIVITY_MONTHS - 1) if is_due else now - timedelta(days=30 + n % 300)
    stamp = active.isoformat()
    pk = keys.member_pk(program_id, mid)
    profile: Item = {
        "PK": {"S": pk}, "SK": {"S": keys.PROFILE}, **keys.shop_keys(program_id, shop, pk),
        "program_id": {"S": program_id}, "member_id": {"S": mid}, "created_at": {"S": stamp},
        "updated_at": {"S": stamp}, "tier": {"S": "member"}, "points_balance": {"N": str(100 + n % 900)},
        "pending_points": {"N": "0"}, "lifetime_points": {"N": str(100 + n % 900)}, "entry_count": {"N": "1"},
        "version": {"N": "1"}, "identities": {"SS": [identity.key]}, "email": {"S": email},
        "GSI1PK": {"S": keys.email_pk(program_id, email)}, "GSI1SK": {"S": mid}, "last_activity_at": {"S": stamp},
    }
    due_at = add_months(active, INACTIVITY_MONTHS)
    return [profile, due_put(table, program_id, mid, INACTIVITY_TASK, due_at, now)["Put"]["Item"]]


def population(table: str, program_id: str, shop: str, size: int, due: int, now: datetime) -> Iterator[Item]:
    wanted = set(due_indices(size, due))
    for n in range(size):
        yield from member_items(table, program_id, shop, n, n in wanted, now)


def _chunks(items: Iterator[Item]) -> Iterator[list[Item]]:
    chunk: list[Item] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == BATCH:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _write(client: Any, table: str, chunk: list[Item]) -> list[Call]:
    """One BatchWriteItem, and again for what it left unprocessed; each call as the cost model takes it."""
    requests = [{"PutRequest": {"Item": item}} for item in chunk]
    calls = []
    while requests:
        params = {"RequestItems": {table: requests}}
        response = client.batch_write_item(**params)
        calls.append(Call("BatchWriteItem", params, ok=True, response=response))
        requests = response.get("UnprocessedItems", {}).get(table, [])
    return calls


def bulk_load(client: Any, table: str, items: Iterator[Item], threads: int = 4) -> list[Call]:
    """Write the items 25 per BatchWriteItem on `threads` threads; return the calls (for the cost model)."""
    if threads <= 1:
        return [call for chunk in _chunks(items) for call in _write(client, table, chunk)]
    with ThreadPoolExecutor(threads) as pool:
        return [call for calls in pool.map(lambda c: _write(client, table, c), _chunks(items)) for call in calls]
