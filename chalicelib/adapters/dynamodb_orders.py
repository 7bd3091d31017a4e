"""Order accounts ↔ DynamoDB items (one item per order: PK=P#<program>#O#<shop>#<order id>, SK=ORDER)."""
from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from chalicelib.adapters.dynamodb_keys import shop_keys
from chalicelib.domain.accounting import AwardRecord, FulfillmentRecord, OrderAccount, RefundRecord
from chalicelib.domain.due import ORDER_TASK
from chalicelib.domain.money import Money

ORDER = "ORDER"
DUE_INDEX = "Due"


DUE_SHARDS = 8     # a day's due items spread over this many index partitions (no hot partition on busy days)


def due_keys(program_id: str, due_at: datetime, task: str, ref: str, now: datetime) -> dict[str, Any]:
    """Sparse-index keys of work due at a time: partitions per program, task, UTC day and shard; sorted by time.

    Work already due when it is written (a late webhook) goes to today's partition, never to a day that a
    job's cursor may have passed.
    """
    utc = due_at.astimezone(UTC)
    day = max(utc, now.astimezone(UTC)).date()
    shard = int(hashlib.sha256(ref.encode()).hexdigest()[:8], 16) % DUE_SHARDS
    return {"DUEPK": {"S": due_pk(program_id, task, day, shard)},
            "DUESK": {"S": f"{utc:%Y-%m-%dT%H:%M:%S}Z#{ref}"}}


def due_pk(program_id: str, task: str, day: date, shard: int) -> str:
    return f"P#{program_id}#DUE#{task}#{day.isoformat()}#{shard}"


def order_pk(program_id: str, shop: str, order_id: str) -> str:
    return f"P#{program_id}#O#{shop}#{order_id}"


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def _time(value: datetime | None) -> dict[str, Any]:
    return {"NULL": True} if value is None else _s(value.isoformat())


def _read_time(attr: dict[str, Any]) -> datetime | None:
    return None if "NULL" in attr else datetime.fromisoformat(attr["S"])


def _money(money: Money) -> dict[str, Any]:
    return {"M": {"amount": _s(format(money.amount, "f")), "currency": _s(money.currency)}}


def _read_money(attr: dict[str, Any]) -> Money:
    return Money(Decimal(attr["M"]["amount"]["S"]), attr["M"]["currency"]["S"])


def account_item(program_id: str, account: OrderAccount, now: datetime) -> dict[str, Any]:
    pk = order_pk(program_id, account.shop, account.order_id)
    item: dict[str, Any] = {
        "PK": _s(pk), "SK": _s(ORDER), "type": _s("order"), **shop_keys(program_id, account.shop, pk),
        "shop": _s(account.shop), "order_id": _s(account.order_id), "version": _n(account.version),
        "cancelled_at": _time(account.cancelled_at), "released": {"BOOL": account.released},
        "reversed_points": _n(account.reversed_points), "reversed_pending": _n(account.reversed_pending),
        "uncollected": _n(account.uncollected), "expired": _n(account.expired),
        "lot_expired": {"BOOL": account.lot_expired},
        "refunds": {"M": {rid: {"M": {"subtotal": _s(str(r.subtotal)), "tax": _s(str(r.tax)),
                                      "refunded_at": _time(r.refunded_at)}} for rid, r in account.refunds.items()}},
    }
    item["fulfillments"] = {"M": {fid: {"M": {
        "status": _s(f.status), "shipment_status": _s(f.shipment_status) if f.shipment_status else {"NULL": True},
        "created_at": _time(f.created_at), "updated_at": _time(f.updated_at), "delivered_at": _time(f.delivered_at),
        "line_ids": {"L": [_s(i) for i in f.line_ids]}}} for fid, f in account.fulfillments.items()}}
    item["items"] = {"L": [{"L": [_s(pid), _s(title)]} for pid, title in account.items]}
    item["order_name"] = _s(account.order_name)
    item["reviewed_at"] = _time(account.reviewed_at)
    if account.member_id:
        item["member_id"] = _s(account.member_id)
    if account.next_due is not None:
        item.update(due_keys(program_id, account.next_due, ORDER_TASK, account.key, now))
    if account.award:
        a = account.award
        item["award"] = {"M": {
            "points": _n(a.points), "base": _money(a.base), "presentment_base": _money(a.presentment_base),
            "rule_version": _s(a.rule_version), "taxes_included": {"BOOL": a.taxes_included},
            "paid_at": _time(a.paid_at), "release_at": _time(a.release_at),
            "lot_expires_at": _time(a.lot_expires_at), "order_name": _s(a.order_name),
        }}
    return item


def account_from_item(item: dict[str, Any]) -> OrderAccount:
    award = None
    if "award" in item:
        a = item["award"]["M"]
        award = AwardRecord(
            points=int(a["points"]["N"]), base=_read_money(a["base"]),
            presentment_base=_read_money(a["presentment_base"]), rule_version=a["rule_version"]["S"],
            taxes_included=a["taxes_included"]["BOOL"], paid_at=datetime.fromisoformat(a["paid_at"]["S"]),
            release_at=_read_time(a["release_at"]), lot_expires_at=_read_time(a["lot_expires_at"]),
            order_name=a.get("order_name", {}).get("S", ""),
        )
    refunds = {
        rid: RefundRecord(Decimal(r["M"]["subtotal"]["S"]), Decimal(r["M"]["tax"]["S"]),
                          _read_time(r["M"]["refunded_at"]) or datetime.min)
        for rid, r in item.get("refunds", {}).get("M", {}).items()
    }
    fulfillments = {
        fid: FulfillmentRecord(
            status=f["M"]["status"]["S"], shipment_status=f["M"]["shipment_status"].get("S"),
            created_at=_read_time(f["M"]["created_at"]) or datetime.min,
            updated_at=_read_time(f["M"]["updated_at"]) or datetime.min,
            delivered_at=_read_time(f["M"]["delivered_at"]),
            line_ids=tuple(i["S"] for i in f["M"]["line_ids"]["L"]))
        for fid, f in item.get("fulfillments", {}).get("M", {}).items()
    }
    return OrderAccount(
        shop=item["shop"]["S"], order_id=item["order_id"]["S"], member_id=item.get("member_id", {}).get("S"),
        award=award, refunds=refunds, cancelled_at=_read_time(item["cancelled_at"]),
        released=item["released"]["BOOL"], reversed_points=int(item["reversed_points"]["N"]),
        reversed_pending=int(item["reversed_pending"]["N"]), uncollected=int(item["uncollected"]["N"]),
        expired=int(item["expired"]["N"]), lot_expired=item["lot_expired"]["BOOL"], fulfillments=fulfillments,
        items=tuple((i["L"][0]["S"], i["L"][1]["S"]) for i in item.get("items", {}).get("L", [])),
        order_name=item.get("order_name", {}).get("S", ""),
        reviewed_at=_read_time(item["reviewed_at"]) if "reviewed_at" in item else None,
        version=int(item["version"]["N"]),
    )
