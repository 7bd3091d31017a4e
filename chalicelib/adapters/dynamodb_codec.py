"""Domain objects ↔ DynamoDB items (low-level attribute-value format)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.domain.ledger import EntryKind, LedgerEntry, Member
from chalicelib.domain.money import Money

BASE_TIER = "member"
SPEND_PREFIX = "spend_"          # qualifying spend by month: spend_2026_11


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def _money_attrs(prefix: str, money: Money | None) -> dict[str, Any]:
    if money is None:
        return {}
    return {f"{prefix}_amount": _s(format(money.amount, "f")), f"{prefix}_currency": _s(money.currency)}


def _money(item: dict[str, Any], prefix: str) -> Money | None:
    if f"{prefix}_amount" not in item:
        return None
    return Money(Decimal(item[f"{prefix}_amount"]["S"]), item[f"{prefix}_currency"]["S"])


def fact_item(program_id: str, member_id: str, entry: LedgerEntry) -> dict[str, Any]:
    pk = keys.fact_pk(program_id, entry.business_key)
    platform, _, rest = entry.business_key.partition(":")
    filed = keys.shop_keys(program_id, rest.split(":")[0], pk) if platform == "shopify" else {}
    item = {
        "PK": _s(pk), "SK": _s(keys.FACT), **filed,
        "member_id": _s(member_id), "entry_sk": _s(keys.entry_sk(entry.recorded_at, entry.entry_id)),
        "entry_id": _s(entry.entry_id),
        "kind": _s(entry.kind.value), "points": _n(entry.points),
        "recorded_at": _s(entry.recorded_at.isoformat()),
    }
    item.update(_money_attrs("base", entry.base))
    if entry.rule_version:
        item["rule_version"] = _s(entry.rule_version)
    return item


def entry_item(pk: str, sk: str, program_id: str, member_id: str, entry: LedgerEntry) -> dict[str, Any]:
    item: dict[str, Any] = {
        "PK": _s(pk), "SK": _s(sk), "type": _s("entry"),
        "program_id": _s(program_id), "member_id": _s(member_id),
        "entry_id": _s(entry.entry_id), "business_key": _s(entry.business_key),
        "kind": _s(entry.kind.value), "points": _n(entry.points), "pending_points": _n(entry.pending_points),
        "occurred_at": _s(entry.occurred_at.isoformat()), "recorded_at": _s(entry.recorded_at.isoformat()),
        "source": {"M": {k: _s(v) for k, v in entry.source.items() if v}},
    }
    item.update(_money_attrs("base", entry.base))
    item.update(_money_attrs("presentment", entry.presentment_base))
    if entry.rule_version:
        item["rule_version"] = _s(entry.rule_version)
    if entry.reason:
        item["reason"] = _s(entry.reason)
    if entry.lifetime_points is not None:
        item["lifetime_points"] = _n(entry.lifetime_points)
    return item


def member_from_item(item: dict[str, Any]) -> Member:
    return Member(
        member_id=item["member_id"]["S"],
        program_id=item["program_id"]["S"],
        email=item.get("email", {}).get("S"),           # an erased member keeps a NULL tombstone: None
        first_name=item.get("first_name", {}).get("S"),
        points_balance=int(item.get("points_balance", {}).get("N", "0")),
        pending_points=int(item.get("pending_points", {}).get("N", "0")),
        lifetime_points=int(item.get("lifetime_points", {}).get("N", "0")),
        tier=item.get("tier", {}).get("S", BASE_TIER),
        version=int(item.get("version", {}).get("N", "0")),
        spend_credit=int(item.get("spend_credit", {}).get("N", "0")),
        tier_since=_optional_time(item.get("tier_since")),
        tier_review_at=_optional_time(item.get("tier_review_at")),
        last_activity_at=_optional_time(item.get("last_activity_at")),
        spend={name.removeprefix(SPEND_PREFIX).replace("_", "-"): Decimal(value["N"])
               for name, value in item.items() if name.startswith(SPEND_PREFIX)},
        unsubscribed=frozenset((item.get("unsubscribed") or {}).get("SS", [])),
        unsubscribed_at=_optional_time(item.get("unsubscribed_at")),
        hard_bounced=bool(item.get("hard_bounced", {}).get("BOOL")),
        complained=bool(item.get("complained", {}).get("BOOL")),
        recent_capped_sends=tuple(datetime.fromisoformat(v["S"])
                                  for v in (item.get("recent_capped_sends") or {}).get("L", [])),
        identities=tuple(sorted((item.get("identities") or {}).get("SS", []))),
        created_at=datetime.fromisoformat(item["created_at"]["S"]),
        updated_at=datetime.fromisoformat(item["updated_at"]["S"]),
        email_consent=item.get("email_consent", {}).get("S"),
        consent_updated_at=_optional_time(item.get("consent_updated_at")),
        erased_at=_optional_time(item.get("erased_at")),
        birthday=date.fromisoformat(item["birthday"]["S"]) if "S" in item.get("birthday", {}) else None,
        merged_into=item.get("merged_into", {}).get("S"),
        merged_from=tuple(sorted((item.get("merged_from") or {}).get("SS", []))),
    )


def _optional_time(attr: dict[str, Any] | None) -> datetime | None:
    return datetime.fromisoformat(attr["S"]) if attr and "S" in attr else None


def entry_from_item(item: dict[str, Any]) -> LedgerEntry:
    return LedgerEntry(
        entry_id=item["entry_id"]["S"],
        business_key=item["business_key"]["S"],
        kind=EntryKind(item["kind"]["S"]),
        points=int(item["points"]["N"]),
        pending_points=int(item.get("pending_points", {}).get("N", "0")),
        occurred_at=datetime.fromisoformat(item["occurred_at"]["S"]),
        recorded_at=datetime.fromisoformat(item["recorded_at"]["S"]),
        source={k: v["S"] for k, v in item.get("source", {}).get("M", {}).items()},
        base=_money(item, "base"),
        presentment_base=_money(item, "presentment"),
        rule_version=item.get("rule_version", {}).get("S"),
        reason=item.get("reason", {}).get("S"),
        lifetime_points=int(item["lifetime_points"]["N"]) if "lifetime_points" in item else None,
    )


def entry_json(entry: LedgerEntry) -> dict[str, Any]:
    """An entry as plain JSON (kept with an idempotency record, to answer a repeated request identically)."""
    return {"entry_id": entry.entry_id, "business_key": entry.business_key, "kind": entry.kind.value,
            "points": entry.points, "pending_points": entry.pending_points,
            "occurred_at": entry.occurred_at.isoformat(), "recorded_at": entry.recorded_at.isoformat(),
            "source": entry.source, "reason": entry.reason}


def entry_from_json(data: dict[str, Any]) -> LedgerEntry:
    return LedgerEntry(entry_id=data["entry_id"], business_key=data["business_key"], kind=EntryKind(data["kind"]),
                       points=data["points"], pending_points=data["pending_points"],
                       occurred_at=datetime.fromisoformat(data["occurred_at"]),
                       recorded_at=datetime.fromisoformat(data["recorded_at"]), source=data["source"],
                       reason=data["reason"])
