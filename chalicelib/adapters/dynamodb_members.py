"""The writes a ledger change makes to its member: the profile update, the entries, due items, tier events.

The profile carries a version: a change computed from a read profile (tier upgrades, floor-at-zero
clawbacks) only commits if nobody moved the profile since, so concurrent orders of one member never
lose an upgrade.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.adapters.dynamodb_attributes import NULL, item_key, to_attributes
from chalicelib.adapters.dynamodb_codec import (
    BASE_TIER,
    SPEND_PREFIX,
    day_attribute,
    entry_item,
    journey_attributes,
    stage_entries,
)
from chalicelib.adapters.dynamodb_figures import figure_updates
from chalicelib.adapters.dynamodb_orders import due_keys
from chalicelib.adapters.dynamodb_outbox import message_item
from chalicelib.domain.due import CRM_SYNC_TASK, INACTIVITY_TASK, TIER_TASK
from chalicelib.domain.figures import entry_deltas
from chalicelib.domain.journey import Change
from chalicelib.domain.ledger import Identity, LedgerEntry, MemberHints
from chalicelib.services.ports.ledger import MemberChange


def member_writes(table: str, program_id: str, member_id: str, identity: Identity | None, hints: MemberHints,
                  entries: Sequence[LedgerEntry], change: MemberChange | None, now: datetime,
                  crm_sync: bool = True) -> list[dict[str, Any]]:
    """The writes of one change to a member, for one transaction; the CRM sync mark only with `crm_sync` (a
    program with no connector has no CRM to tell)."""
    pk = keys.member_pk(program_id, member_id)
    writes: list[dict[str, Any]] = []
    if _touches_profile(entries, change):
        writes.append({"Update": profile_update(table, program_id, member_id, identity, hints, entries, change, now)})
    writes += [{"Put": {"TableName": table, "ConditionExpression": "attribute_not_exists(PK)",
                        "Item": entry_item(pk, keys.entry_sk(e.recorded_at, e.entry_id), program_id, member_id, e)}}
               for e in entries]
    if change and change.inactivity_expiry_at:
        writes.append(due_put(table, program_id, member_id, INACTIVITY_TASK, change.inactivity_expiry_at, now))
    writes += [due_delete(table, program_id, member_id, task) for task in (change.clear_due if change else ())]
    writes += [{"Put": {"TableName": table, "Item": message_item(program_id, message, now),
                        "ConditionExpression": "attribute_not_exists(PK)"}}
               for message in (change.messages if change else ())]
    if change and change.journey_changes:
        writes.append({"Put": {"TableName": table, "Item": journey_event_item(program_id, member_id,
                                                                             change.journey_changes)}})
    if change and change.tier_change:
        tc = change.tier_change
        writes.append(due_put(table, program_id, member_id, TIER_TASK, tc.review_at, now))
        if tc.new != tc.old:
            writes.append({"Put": {"TableName": table, "Item": to_attributes({
                "PK": pk, "SK": f"EVT#{tc.at.isoformat()}#tier_changed", "type": "event",
                "kind": "tier_changed", "from_tier": tc.old, "to_tier": tc.new, "at": tc.at, "member_id": member_id})}})
    if crm_sync and _moves_standing(entries, change):
        writes.append(crm_sync_mark(table, program_id, member_id, now))
    writes += figure_updates(table, program_id, member_id,
                             [*entry_deltas(entries), *(change.figures if change else ())])
    return writes


def journey_event_item(program_id: str, member_id: str, changes: Sequence[Change]) -> dict[str, Any]:
    """The stage and state changes one event made, as one item in the member's timeline (`journey_changed`).

    Its key ends with a digest of the changes: orders arriving out of order make different changes at one time (each
    at the stage's own start), which must not overwrite each other; the same changes again are the same item."""
    at = max(c.at for c in changes)
    made = "|".join(f"{c.kind}:{c.old}:{c.new}:{c.at.isoformat()}:{c.cause.value}" for c in changes)
    digest = hashlib.sha256(made.encode()).hexdigest()[:12]
    return to_attributes({
        "PK": keys.member_pk(program_id, member_id), "SK": f"EVT#{at.isoformat()}#journey_changed#{digest}",
        "type": "event", "kind": "journey_changed", "at": at, "member_id": member_id,
        "changes": [{"kind": c.kind, "from": c.old, "to": c.new, "at": c.at, "cause": c.cause.value}
                    for c in changes]})


def _touches_profile(entries: Sequence[LedgerEntry], change: MemberChange | None) -> bool:
    """Entries move balances; a change may move spend, tier or activity. Messages alone leave the profile be."""
    if entries or change is None:
        return True
    return bool(change.spend_delta or change.tier_change or change.activity_at or change.inactivity_expiry_at
                or change.clear_due or change.check_version or change.journey)


CRM_SYNC_DELAY = timedelta(seconds=60)   # changes within this time after the first go to the CRMs as one update
CRM_SYNC_SK = f"DUE#{CRM_SYNC_TASK}"


def _moves_standing(entries: Sequence[LedgerEntry], change: MemberChange | None) -> bool:
    """Balances, spend toward a tier, the tier or its review, the expiry date or the journey moved: what the CRMs
    show."""
    if any(e.points or e.pending_points for e in entries):
        return True
    return bool(change and (change.spend_delta or change.tier_change or change.inactivity_expiry_at or change.journey))


def crm_sync_mark(table: str, program_id: str, member_id: str, now: datetime) -> dict[str, Any]:
    """Mark the member for the CRM sync, due a minute after the first change; later changes keep that due
    time and only count themselves (`changes`), so the sync clears the mark only if nothing moved since it read."""
    due = due_keys(program_id, now + CRM_SYNC_DELAY, CRM_SYNC_TASK, member_id, now)
    return {"Update": {
        "TableName": table, "Key": item_key(keys.member_pk(program_id, member_id), CRM_SYNC_SK),
        "UpdateExpression": "SET member_id = :m, due_at = if_not_exists(due_at, :due), "
                            "DUEPK = if_not_exists(DUEPK, :pk), DUESK = if_not_exists(DUESK, :sk) ADD changes :one",
        "ExpressionAttributeValues": to_attributes({":m": member_id, ":due": now + CRM_SYNC_DELAY,
                                                    ":pk": due["DUEPK"], ":sk": due["DUESK"], ":one": 1})}}


def due_put(table: str, program_id: str, member_id: str, task: str, due_at: datetime,
            now: datetime) -> dict[str, Any]:
    """One small item per member and task; rewriting it moves the member's place in the Due index."""
    return {"Put": {"TableName": table, "Item": to_attributes({
        "PK": keys.member_pk(program_id, member_id), "SK": f"DUE#{task}", "member_id": member_id, "due_at": due_at,
        **due_keys(program_id, due_at, task, member_id, now)})}}


def due_delete(table: str, program_id: str, member_id: str, task: str) -> dict[str, Any]:
    return {"Delete": {"TableName": table, "Key": item_key(keys.member_pk(program_id, member_id), f"DUE#{task}")}}


def profile_update(table: str, program_id: str, member_id: str, identity: Identity | None, hints: MemberHints,
                   entries: Sequence[LedgerEntry], change: MemberChange | None, now: datetime) -> dict[str, Any]:
    """Upsert the profile: hints fill empty fields only; balances move by ADD, never by overwrite."""
    sets = ["program_id = :p", "member_id = :m", "created_at = if_not_exists(created_at, :now)",
            "updated_at = :now", "tier = if_not_exists(tier, :tier)"]
    values: dict[str, Any] = {
        ":p": program_id, ":m": member_id, ":now": now, ":tier": BASE_TIER,
        ":spendable": sum(e.points for e in entries), ":pending": sum(e.pending_points for e in entries),
        ":lifetime": sum(e.lifetime_delta for e in entries), ":count": len(entries), ":one": 1,
    }
    adds = ["points_balance :spendable", "pending_points :pending", "lifetime_points :lifetime",
            "entry_count :count", "version :one"]
    if identity is not None:       # set once; an erased member keeps a NULL tombstone and gets none back
        values[":identity"] = {identity.key}
        sets.append("identities = if_not_exists(identities, :identity)")
        file_under_shop(program_id, member_id, identity, sets, values)
    file_in_members(program_id, member_id, sets, values)
    if hints.email:
        sets += ["email = if_not_exists(email, :email)", "GSI1PK = if_not_exists(GSI1PK, :gsi1pk)", "GSI1SK = :m"]
        values[":email"] = keys.normalise_email(hints.email)
        values[":gsi1pk"] = keys.email_pk(program_id, hints.email)
    if hints.first_name:
        sets.append("first_name = if_not_exists(first_name, :first)")
        values[":first"] = hints.first_name
    update: dict[str, Any] = {"TableName": table, "Key": item_key(keys.member_pk(program_id, member_id), keys.PROFILE)}
    if change is not None:
        _member_change(change, sets, adds, values, update)
    update["UpdateExpression"] = "SET " + ", ".join(sets) + " ADD " + ", ".join(adds)
    update["ExpressionAttributeValues"] = to_attributes(values)
    return update


def _member_change(change: MemberChange, sets: list[str], adds: list[str], values: dict[str, Any],
                   update: dict[str, Any]) -> None:
    _spend_and_journey(change, sets, adds, values)
    tc = change.tier_change
    if tc:
        sets.append("tier_review_at = :review")
        values[":review"] = tc.review_at
    if tc and tc.new != tc.old:
        sets += ["tier = :new_tier", "tier_since = :tier_since"]
        sets.remove("tier = if_not_exists(tier, :tier)")
        del values[":tier"]
        values |= {":new_tier": tc.new, ":tier_since": tc.at}
    if change.activity_at:
        sets.append("last_activity_at = :activity")
        values[":activity"] = change.activity_at
    if change.spend_credit:
        adds.append("spend_credit :credit")
        values[":credit"] = change.spend_credit
    if change.require_balance is not None:        # a debit that must never overdraw (redemptions)
        update["ConditionExpression"] = "points_balance >= :need AND attribute_not_exists(erased_at)"
        values[":need"] = change.require_balance
        return
    if not change.check_version:
        return
    if not change.expected_version:          # no profile yet, or one without balances (made by a customer event)
        update["ConditionExpression"] = "attribute_not_exists(version)"
    else:
        update["ConditionExpression"] = "version = :version"
        values[":version"] = change.expected_version


def _spend_and_journey(change: MemberChange, sets: list[str], adds: list[str], values: dict[str, Any]) -> None:
    """Spend by month and by purchase day (ADDs, so any order of arrival sums the same), and the journey it moved."""
    if change.spend_month and change.spend_delta:
        adds.append(f"{SPEND_PREFIX}{change.spend_month.replace('-', '_')} :spend")
        values[":spend"] = change.spend_delta
    if change.purchase_day is not None:
        adds.append(f"{day_attribute(change.purchase_day)} :day")
        values[":day"] = change.day_value
    if change.tags_bought:
        adds.append("tags_bought :tags")
        values[":tags"] = set(change.tags_bought)
    if change.journey is not None:
        fields = journey_attributes(change.journey) | stage_entries(change.journey_changes)
        sets += [f"{name} = :j_{name}" for name in fields]
        values |= {f":j_{name}": NULL if value is None else value for name, value in fields.items()}


def file_in_members(program_id: str, member_id: str, sets: list[str], values: dict[str, Any]) -> None:
    """File the profile in the program's sharded `Members` index (the nightly journey run lists it there)."""
    sets += ["MEMBERPK = if_not_exists(MEMBERPK, :memberpk)", "MEMBERSK = if_not_exists(MEMBERSK, :m)"]
    values[":memberpk"] = keys.members_partition(program_id, keys.member_shard(member_id))


def file_under_shop(program_id: str, member_id: str, identity: Identity, sets: list[str],
                    values: dict[str, Any]) -> None:
    """File the member under its shop once (shop/redact finds it there); later updates leave the index alone.

    `values` are plain values, turned into attribute values with the rest of the update's."""
    if identity.kind != "shopify":
        return
    shop = keys.shop_index(program_id, keys.shop_of(identity.value), keys.member_pk(program_id, member_id))
    sets += ["SHOPPK = if_not_exists(SHOPPK, :shoppk)", "SHOPSK = if_not_exists(SHOPSK, :shopsk)"]
    values |= {":shoppk": shop["SHOPPK"], ":shopsk": shop["SHOPSK"]}
