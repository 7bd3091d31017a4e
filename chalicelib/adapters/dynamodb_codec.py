"""Ledger entries, business facts and member profiles ↔ DynamoDB items (values typed by dynamodb_attributes)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.adapters.dynamodb_attributes import NULL, from_attributes, to_attributes, when
from chalicelib.domain.journey import Change, Journey, Prediction, Rfm, Stage, State
from chalicelib.domain.ledger import EntryKind, LedgerEntry, Member
from chalicelib.domain.money import Money
from chalicelib.domain.offers import Boost
from chalicelib.domain.surveys import FeedbackFacts

BASE_TIER = "member"
SPEND_PREFIX = "spend_"          # qualifying spend by month: spend_2026_11
DAY_PREFIX = "pd_"               # merchandise value by purchase day: pd_20261130
# Synced HubSpot contact properties, one map attribute: {name: {"v": value or NULL (cleared), "at": ISO time}}.
# One attribute, so erasure and merges remove all of them by naming it (dynamodb_profiles.py).
HUBSPOT_PROPS = "hubspot_props"
ENTERED_PREFIX = "se_"           # when the member entered a stage: se_first_time
TOUCH_PREFIX = "tp:"             # a stage's touchpoint, its first send: tp:first_time:review_request
BOOST = "boost"                  # a granted points multiplier: {"factor", "from", "until"} (domain.offers.Boost)
CAMPAIGN_PREFIX = "ce_"          # the member's last entry into a campaign: ce_<campaign id>


def day_attribute(day: date) -> str:
    return f"{DAY_PREFIX}{day:%Y%m%d}"


def _days(values: dict[str, Any]) -> dict[date, Decimal]:
    return {datetime.strptime(name.removeprefix(DAY_PREFIX), "%Y%m%d").date(): Decimal(amount)
            for name, amount in values.items() if name.startswith(DAY_PREFIX)}


def journey_attributes(journey: Journey) -> dict[str, Any]:
    return {"journey_stage": journey.stage.value, "journey_stage_since": journey.stage_since,
            "journey_state": journey.state.value if journey.state else None,
            "journey_state_since": journey.state_since}


def stage_entries(changes: Sequence[Change]) -> dict[str, datetime]:
    """The profile attributes that keep when the member entered each stage the changes moved it to."""
    return {f"{ENTERED_PREFIX}{c.new}": c.at for c in changes if c.kind == "stage"}


def touch_attribute(stage: str, kind: str) -> str:
    return f"{TOUCH_PREFIX}{stage}:{kind}"


def _entered(v: dict[str, Any]) -> dict[str, datetime]:
    return {name.removeprefix(ENTERED_PREFIX): datetime.fromisoformat(at)
            for name, at in v.items() if name.startswith(ENTERED_PREFIX) and at}


def campaign_attribute(campaign_id: str) -> str:
    return f"{CAMPAIGN_PREFIX}{campaign_id}"


def _campaigns(v: dict[str, Any]) -> dict[str, datetime]:
    return {name.removeprefix(CAMPAIGN_PREFIX): datetime.fromisoformat(at)
            for name, at in v.items() if name.startswith(CAMPAIGN_PREFIX) and at}


def _touches(v: dict[str, Any]) -> dict[tuple[str, str], datetime]:
    found: dict[tuple[str, str], datetime] = {}
    for name, at in v.items():
        if name.startswith(TOUCH_PREFIX) and at:
            stage, _, kind = name.removeprefix(TOUCH_PREFIX).partition(":")
            found[(stage, kind)] = datetime.fromisoformat(at)
    return found


def hubspot_entries(values: dict[str, str], changed_at: dict[str, datetime]) -> dict[str, Any]:
    """A member's synced HubSpot properties as the map attribute stores them (cleared ones as NULL values)."""
    return {name: {"v": values.get(name, NULL), "at": at} for name, at in changed_at.items()}


def _hubspot(value: dict[str, Any] | None) -> tuple[dict[str, str], dict[str, datetime]]:
    entries = value or {}
    return ({name: e["v"] for name, e in entries.items() if e.get("v") is not None},
            {name: datetime.fromisoformat(e["at"]) for name, e in entries.items()})


def feedback_attribute(facts: FeedbackFacts) -> dict[str, Any]:
    """The profile's `feedback` map: the latest NPS and CSAT answers and their times."""
    return {"last_nps": facts.last_nps, "last_nps_at": facts.last_nps_at, "last_csat": facts.last_csat,
            "last_csat_at": facts.last_csat_at}


def _feedback(v: dict[str, Any] | None) -> FeedbackFacts | None:
    if not v:
        return None
    return FeedbackFacts(int(v["last_nps"]) if v.get("last_nps") is not None else None, when(v.get("last_nps_at")),
                         int(v["last_csat"]) if v.get("last_csat") is not None else None, when(v.get("last_csat_at")))


def boost_attribute(boost: Boost) -> dict[str, Any]:
    return {"factor": boost.factor, "from": boost.starts_at, "until": boost.ends_at}


def _boost(value: dict[str, Any] | None) -> Boost | None:
    if not value:
        return None
    return Boost(Decimal(value["factor"]), datetime.fromisoformat(value["from"]),
                 datetime.fromisoformat(value["until"]))


def _journey(v: dict[str, Any]) -> Journey | None:
    if v.get("journey_stage") is None:
        return None
    return Journey(Stage(v["journey_stage"]), datetime.fromisoformat(v["journey_stage_since"]),
                   State(v["journey_state"]) if v.get("journey_state") else None, when(v.get("journey_state_since")))


def rfm_attribute(rfm: Rfm) -> dict[str, Any]:
    return {"r": rfm.recency, "f": rfm.frequency, "m": rfm.monetary, "segment": rfm.segment,
            "previous": rfm.previous_segment}


def _rfm(value: dict[str, Any] | None) -> Rfm | None:
    if not value:
        return None
    return Rfm(int(value["r"]), int(value["f"]), int(value["m"]), value["segment"], value.get("previous"))


def prediction_attribute(prediction: Prediction) -> dict[str, Any]:
    return {"p_alive": Decimal(repr(prediction.p_alive)), "orders": Decimal(repr(prediction.expected_orders_365d)),
            "clv": prediction.predicted_clv_365d, "next": prediction.expected_next_order_at}


def _prediction(value: dict[str, Any] | None) -> Prediction | None:
    if not value:
        return None
    return Prediction(float(value["p_alive"]), float(value["orders"]), Decimal(value["clv"]), when(value.get("next")))


def _money_fields(prefix: str, money: Money | None) -> dict[str, str]:
    if money is None:
        return {}
    return {f"{prefix}_amount": format(money.amount, "f"), f"{prefix}_currency": money.currency}


def _money(fields: dict[str, Any], prefix: str) -> Money | None:
    if f"{prefix}_amount" not in fields:
        return None
    return Money(Decimal(fields[f"{prefix}_amount"]), fields[f"{prefix}_currency"])


def fact_item(program_id: str, member_id: str, entry: LedgerEntry) -> dict[str, Any]:
    pk = keys.fact_pk(program_id, entry.business_key)
    platform, _, rest = entry.business_key.partition(":")
    filed = keys.shop_index(program_id, rest.split(":")[0], pk) if platform == "shopify" else {}
    return to_attributes({
        "PK": pk, "SK": keys.FACT, **filed,
        "member_id": member_id, "entry_sk": keys.entry_sk(entry.recorded_at, entry.entry_id),
        "entry_id": entry.entry_id, "kind": entry.kind.value, "points": entry.points,
        "recorded_at": entry.recorded_at, **_money_fields("base", entry.base),
        "rule_version": entry.rule_version or None,
    })


def entry_item(pk: str, sk: str, program_id: str, member_id: str, entry: LedgerEntry) -> dict[str, Any]:
    return to_attributes({
        "PK": pk, "SK": sk, "type": "entry", "program_id": program_id, "member_id": member_id,
        "entry_id": entry.entry_id, "business_key": entry.business_key,
        "kind": entry.kind.value, "points": entry.points, "pending_points": entry.pending_points,
        "occurred_at": entry.occurred_at, "recorded_at": entry.recorded_at,
        "source": {k: v for k, v in entry.source.items() if v},
        **_money_fields("base", entry.base), **_money_fields("presentment", entry.presentment_base),
        "rule_version": entry.rule_version or None, "reason": entry.reason or None,
        "lifetime_points": entry.lifetime_points,
    })


def member_from_item(item: dict[str, Any]) -> Member:
    v = from_attributes(item)
    hubspot_values, hubspot_at = _hubspot(v.get(HUBSPOT_PROPS))
    return Member(
        member_id=v["member_id"],
        program_id=v["program_id"],
        email=v.get("email"),           # an erased member keeps a NULL tombstone: None
        first_name=v.get("first_name"),
        points_balance=int(v.get("points_balance", 0)),
        pending_points=int(v.get("pending_points", 0)),
        lifetime_points=int(v.get("lifetime_points", 0)),
        tier=v.get("tier", BASE_TIER),
        version=int(v.get("version", 0)),
        spend_credit=int(v.get("spend_credit", 0)),
        tier_since=when(v.get("tier_since")),
        tier_review_at=when(v.get("tier_review_at")),
        last_activity_at=when(v.get("last_activity_at")),
        spend={name.removeprefix(SPEND_PREFIX).replace("_", "-"): amount
               for name, amount in v.items() if name.startswith(SPEND_PREFIX)},
        unsubscribed=frozenset(v.get("unsubscribed") or ()),
        unsubscribed_at=when(v.get("unsubscribed_at")),
        hard_bounced=bool(v.get("hard_bounced")),
        complained=bool(v.get("complained")),
        recent_capped_sends=tuple(datetime.fromisoformat(t) for t in v.get("recent_capped_sends") or ()),
        identities=tuple(sorted(v.get("identities") or ())),
        created_at=datetime.fromisoformat(v["created_at"]),
        updated_at=datetime.fromisoformat(v["updated_at"]),
        email_consent=v.get("email_consent"),
        consent_updated_at=when(v.get("consent_updated_at")),
        erased_at=when(v.get("erased_at")),
        birthday=date.fromisoformat(v["birthday"]) if v.get("birthday") is not None else None,
        merged_into=v.get("merged_into"),
        merged_from=tuple(sorted(v.get("merged_from") or ())),
        purchase_days=_days(v),
        journey=_journey(v),
        rfm=_rfm(v.get("rfm")),
        prediction=_prediction(v.get("prediction")),
        evaluated_at=when(v.get("evaluated_at")),
        tags_bought=frozenset(v.get("tags_bought") or ()),
        hubspot_properties=hubspot_values,
        hubspot_properties_at=hubspot_at,
        journey_seen=(v["journey_seen"]["stage"], v["journey_seen"].get("state")) if v.get("journey_seen") else None,
        stage_entered=_entered(v),
        last_surveyed_at=when(v.get("last_surveyed_at")),
        feedback=_feedback(v.get("feedback")),
        touches=_touches(v),
        boost=_boost(v.get(BOOST)),
        campaigns=_campaigns(v),
    )


def entry_from_item(item: dict[str, Any]) -> LedgerEntry:
    v = from_attributes(item)
    return LedgerEntry(
        entry_id=v["entry_id"],
        business_key=v["business_key"],
        kind=EntryKind(v["kind"]),
        points=int(v["points"]),
        pending_points=int(v.get("pending_points", 0)),
        occurred_at=datetime.fromisoformat(v["occurred_at"]),
        recorded_at=datetime.fromisoformat(v["recorded_at"]),
        source=v.get("source", {}),
        base=_money(v, "base"),
        presentment_base=_money(v, "presentment"),
        rule_version=v.get("rule_version"),
        reason=v.get("reason"),
        lifetime_points=int(v["lifetime_points"]) if "lifetime_points" in v else None,
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
