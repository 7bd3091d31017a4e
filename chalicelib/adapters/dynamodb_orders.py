"""Order accounts ↔ DynamoDB items (one item per order: PK=P#<program>#O#<shop>#<order id>, SK=ORDER)."""
from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from chalicelib.adapters.dynamodb_attributes import NULL, from_attributes, to_attributes, when
from chalicelib.adapters.dynamodb_keys import shop_index
from chalicelib.domain.accounting import AwardRecord, FulfillmentRecord, OrderAccount, RefundRecord
from chalicelib.domain.due import ORDER_TASK
from chalicelib.domain.money import Money

ORDER = "ORDER"
DUE_INDEX = "Due"


DUE_SHARDS = 8     # a day's due items spread over this many index partitions (no hot partition on busy days)


def due_keys(program_id: str, due_at: datetime, task: str, ref: str, now: datetime) -> dict[str, str]:
    """Sparse-index keys of work due at a time: partitions per program, task, UTC day and shard; sorted by time.

    Work already due when it is written (a late webhook) goes to today's partition, never to a day that a
    job's cursor may have passed.
    """
    utc = due_at.astimezone(UTC)
    day = max(utc, now.astimezone(UTC)).date()
    shard = int(hashlib.sha256(ref.encode()).hexdigest()[:8], 16) % DUE_SHARDS
    return {"DUEPK": due_pk(program_id, task, day, shard), "DUESK": f"{utc:%Y-%m-%dT%H:%M:%S}Z#{ref}"}


def due_pk(program_id: str, task: str, day: date, shard: int) -> str:
    return f"P#{program_id}#DUE#{task}#{day.isoformat()}#{shard}"


def order_pk(program_id: str, shop: str, order_id: str) -> str:
    return f"P#{program_id}#O#{shop}#{order_id}"


def _money(money: Money) -> dict[str, str]:
    return {"amount": format(money.amount, "f"), "currency": money.currency}


def _read_money(fields: dict[str, Any]) -> Money:
    return Money(Decimal(fields["amount"]), fields["currency"])


def account_item(program_id: str, account: OrderAccount, now: datetime) -> dict[str, Any]:
    """Absent times are stored as NULL, except `member_id`, the award and the Due index keys, left out."""
    pk = order_pk(program_id, account.shop, account.order_id)
    due = due_keys(program_id, account.next_due, ORDER_TASK, account.key, now) if account.next_due else {}
    return to_attributes({
        "PK": pk, "SK": ORDER, "type": "order", **shop_index(program_id, account.shop, pk),
        "shop": account.shop, "order_id": account.order_id, "version": account.version,
        "cancelled_at": account.cancelled_at or NULL, "released": account.released,
        "reversed_points": account.reversed_points, "reversed_pending": account.reversed_pending,
        "uncollected": account.uncollected, "expired": account.expired, "lot_expired": account.lot_expired,
        "refunds": {rid: {"subtotal": str(r.subtotal), "tax": str(r.tax), "refunded_at": r.refunded_at or NULL}
                    for rid, r in account.refunds.items()},
        "fulfillments": {fid: {
            "status": f.status, "shipment_status": f.shipment_status or NULL, "created_at": f.created_at or NULL,
            "updated_at": f.updated_at or NULL, "delivered_at": f.delivered_at or NULL, "line_ids": list(f.line_ids),
        } for fid, f in account.fulfillments.items()},
        "items": [[pid, title] for pid, title in account.items],
        "order_name": account.order_name, "reviewed_at": account.reviewed_at or NULL, "paid_at": account.paid_at,
        "member_id": account.member_id or None, **due,
        "award": _award_fields(account.award) if account.award else None,
    })


def _award_fields(a: AwardRecord) -> dict[str, Any]:
    return {"points": a.points, "base": _money(a.base), "presentment_base": _money(a.presentment_base),
            "rule_version": a.rule_version, "taxes_included": a.taxes_included, "paid_at": a.paid_at or NULL,
            "release_at": a.release_at or NULL, "lot_expires_at": a.lot_expires_at or NULL,
            "order_name": a.order_name}


def _award(a: dict[str, Any]) -> AwardRecord:
    return AwardRecord(
        points=int(a["points"]), base=_read_money(a["base"]), presentment_base=_read_money(a["presentment_base"]),
        rule_version=a["rule_version"], taxes_included=a["taxes_included"],
        paid_at=datetime.fromisoformat(a["paid_at"]), release_at=when(a["release_at"]),
        lot_expires_at=when(a["lot_expires_at"]), order_name=a.get("order_name", ""),
    )


def account_from_item(item: dict[str, Any]) -> OrderAccount:
    v = from_attributes(item)
    refunds = {rid: RefundRecord(Decimal(r["subtotal"]), Decimal(r["tax"]), when(r["refunded_at"]) or datetime.min)
               for rid, r in v.get("refunds", {}).items()}
    fulfillments = {
        fid: FulfillmentRecord(
            status=f["status"], shipment_status=f["shipment_status"],
            created_at=when(f["created_at"]) or datetime.min, updated_at=when(f["updated_at"]) or datetime.min,
            delivered_at=when(f["delivered_at"]), line_ids=tuple(f["line_ids"]))
        for fid, f in v.get("fulfillments", {}).items()
    }
    return OrderAccount(
        shop=v["shop"], order_id=v["order_id"], member_id=v.get("member_id"),
        award=_award(v["award"]) if "award" in v else None, refunds=refunds,
        cancelled_at=when(v["cancelled_at"]), released=v["released"], reversed_points=int(v["reversed_points"]),
        reversed_pending=int(v["reversed_pending"]), uncollected=int(v["uncollected"]), expired=int(v["expired"]),
        lot_expired=v["lot_expired"], fulfillments=fulfillments,
        items=tuple((pid, title) for pid, title in v.get("items", [])), order_name=v.get("order_name", ""),
        reviewed_at=when(v.get("reviewed_at")), paid_at=when(v.get("paid_at")), version=int(v["version"]),
    )
