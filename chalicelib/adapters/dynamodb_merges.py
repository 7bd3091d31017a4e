"""The one transaction that merges two members (see domain/merges.py): guard, both profiles, both entries,
the identity links, the absorbed member's due work, the CRM-sync mark and the audit record.

    merge guard     PK=P#<program>#F#merge:<absorbed member>   SK=FACT   (a member is absorbed once)

The absorbed profile keeps its id, history and a `merged_into` pointer; its personal data, email index entry
and balances move to the surviving member, so an erasure of the person later finds everything in one place.
"""
from __future__ import annotations

from typing import Any

from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.adapters.dynamodb_attributes import NULL, item_key, to_attributes
from chalicelib.adapters.dynamodb_audit import audit_put
from chalicelib.adapters.dynamodb_codec import (
    BASE_TIER,
    BOOST,
    HUBSPOT_PROPS,
    SPEND_PREFIX,
    boost_attribute,
    day_attribute,
    entry_item,
    hubspot_entries,
)
from chalicelib.adapters.dynamodb_figures import figure_updates
from chalicelib.adapters.dynamodb_identities import build_link_put
from chalicelib.adapters.dynamodb_members import crm_sync_mark, due_delete, due_put, file_under_shop
from chalicelib.domain.audit import AuditRecord
from chalicelib.domain.due import CRM_SYNC_TASK, INACTIVITY_TASK, TIER_TASK
from chalicelib.domain.ledger import Identity, LedgerEntry
from chalicelib.domain.merges import MemberMerge, merge_key
from chalicelib.services.ports.hubspot import IdentityLink

MAX_FIGURE_DAYS = 40        # the merge's transaction holds at most 100 items; the rest are far fewer than 60


def merge_writes(table: str, program_id: str, plan: MemberMerge, target_primary: Identity,
                 audit: AuditRecord, crm_sync: bool = True) -> list[dict[str, Any]]:
    source, now = plan.source, plan.out_entry.recorded_at
    guard = to_attributes({"PK": keys.fact_pk(program_id, merge_key(source.member_id)), "SK": keys.FACT,
                           "type": "merge", "member_id": source.member_id, "merged_into": plan.target_id,
                           "recorded_at": now})
    link = IdentityLink(plan.target_id, target_primary)
    links = [{"Put": {k: v for k, v in build_link_put(table, program_id, Identity(*i.split(":", 1)), link).items()
                      if k != "ConditionExpression"}} for i in source.identities]
    writes: list[dict[str, Any]] = [
        {"Put": {"TableName": table, "Item": guard, "ConditionExpression": "attribute_not_exists(PK)"}},
        {"Update": _source_update(table, program_id, plan)},
        _entry_put(table, program_id, source.member_id, plan.out_entry),
        {"Update": _target_update(table, program_id, plan, target_primary)},
        _entry_put(table, program_id, plan.target_id, plan.in_entry),
        *links,
        *(due_delete(table, program_id, source.member_id, task) for task in (INACTIVITY_TASK, TIER_TASK)),
        {"Delete": {"TableName": table, "Key": item_key(keys.member_pk(program_id, source.member_id),
                                                        f"DUE#{CRM_SYNC_TASK}")}},
        *([crm_sync_mark(table, program_id, plan.target_id, now)] if crm_sync else []),
        audit_put(table, program_id, audit),
    ]
    if plan.tier is not None and plan.tier.review_at is not None:
        writes.append(due_put(table, program_id, plan.target_id, TIER_TASK, plan.tier.review_at, now))
    figures = figure_updates(table, program_id, plan.target_id, plan.figures)
    if len(figures) <= MAX_FIGURE_DAYS:      # else the day counters keep two customers (README: Analytics)
        writes += figures
    return writes


def _entry_put(table: str, program_id: str, member_id: str, entry: LedgerEntry) -> dict[str, Any]:
    pk = keys.member_pk(program_id, member_id)
    item = entry_item(pk, keys.entry_sk(entry.recorded_at, entry.entry_id), program_id, member_id, entry)
    return {"Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(PK)"}}


def _moves(plan: MemberMerge, sign: int) -> tuple[list[str], dict[str, Any]]:
    """ADD clauses moving balances, spend and spent credit, in (sign=1) or out (sign=-1)."""
    entry = plan.in_entry
    values: dict[str, Any] = {":bal": sign * entry.points, ":pend": sign * entry.pending_points,
                              ":life": sign * (entry.lifetime_points or 0), ":one": 1}
    adds = ["points_balance :bal", "pending_points :pend", "lifetime_points :life", "entry_count :one",
            "version :one"]
    if plan.source.spend_credit:
        adds.append("spend_credit :credit")
        values[":credit"] = sign * plan.source.spend_credit
    for i, (month, amount) in enumerate(sorted(plan.spend.items())):
        adds.append(f"{SPEND_PREFIX}{month.replace('-', '_')} :spend{i}")
        values[f":spend{i}"] = sign * amount
    if sign > 0 and plan.source.tags_bought:
        adds.append("tags_bought :tags")
        values[":tags"] = set(plan.source.tags_bought)
    for i, (day, amount) in enumerate(sorted(plan.source.purchase_days.items())):
        if amount:
            adds.append(f"{day_attribute(day)} :day{i}")
            values[f":day{i}"] = sign * amount
    return adds, values


def _version_condition(version: int, values: dict[str, Any]) -> str:
    if not version:
        return "attribute_not_exists(version)"
    values[":version"] = version
    return "version = :version"


def _source_update(table: str, program_id: str, plan: MemberMerge) -> dict[str, Any]:
    adds, values = _moves(plan, -1)
    values |= {":target": plan.target_id, ":now": plan.out_entry.recorded_at, ":null": NULL}
    condition = ("attribute_exists(PK) AND attribute_not_exists(merged_into) AND attribute_not_exists(erased_at) AND "
                 + _version_condition(plan.source.version, values))
    return {"TableName": table,
            "Key": item_key(keys.member_pk(program_id, plan.source.member_id), keys.PROFILE),
            "UpdateExpression": "SET merged_into = :target, merged_at = :now, updated_at = :now, email = :null, "
                                "first_name = :null REMOVE GSI1PK, GSI1SK, birthday, email_consent, "
                                f"consent_updated_at, {HUBSPOT_PROPS} ADD " + ", ".join(adds),
            "ConditionExpression": condition, "ExpressionAttributeValues": to_attributes(values)}


def _target_update(table: str, program_id: str, plan: MemberMerge, primary: Identity) -> dict[str, Any]:
    source, target_id = plan.source, plan.target_id
    adds, values = _moves(plan, 1)
    sets = ["program_id = :p", "member_id = :m", "created_at = if_not_exists(created_at, :now)",
            "updated_at = :now"]
    values |= {":p": program_id, ":m": target_id, ":now": plan.in_entry.recorded_at,
               ":from": {source.member_id}, ":ids": {*source.identities, primary.key}}
    adds += ["merged_from :from", "identities :ids"]
    if primary.kind == "shopify":
        file_under_shop(program_id, target_id, primary, sets, values)
    fills = {"email": source.email, "first_name": source.first_name,
             "birthday": source.birthday.isoformat() if source.birthday else None}
    for name, value in fills.items():
        if value:
            sets.append(f"{name} = if_not_exists({name}, :{name})")
            values[f":{name}"] = value
    if source.hubspot_properties_at:         # synced HubSpot properties: the target's own, else the source's
        sets.append(f"{HUBSPOT_PROPS} = if_not_exists({HUBSPOT_PROPS}, :hubspot)")
        values[":hubspot"] = hubspot_entries(source.hubspot_properties, source.hubspot_properties_at)
    if source.boost is not None:             # an offer's points boost: the target's own, else the source's
        sets.append(f"{BOOST} = if_not_exists({BOOST}, :boost)")
        values[":boost"] = boost_attribute(source.boost)
    if source.email:
        sets += ["GSI1PK = if_not_exists(GSI1PK, :gsi1pk)", "GSI1SK = :m"]
        values[":gsi1pk"] = keys.email_pk(program_id, source.email)
    _flags(plan, sets, adds, values)
    return {"TableName": table, "Key": item_key(keys.member_pk(program_id, target_id), keys.PROFILE),
            "UpdateExpression": "SET " + ", ".join(sets) + " ADD " + ", ".join(adds),
            "ConditionExpression": "attribute_not_exists(merged_into) AND attribute_not_exists(erased_at) AND "
                                   + _version_condition(plan.target_version, values),
            "ExpressionAttributeValues": to_attributes(values)}


def _flags(plan: MemberMerge, sets: list[str], adds: list[str], values: dict[str, Any]) -> None:
    """Tier, activity, consent and opt-outs: the target keeps the stronger of the two."""
    source = plan.source
    if plan.tier is not None:
        sets.append("tier = :tier")
        values[":tier"] = plan.tier.tier
        for name, at in (("tier_since", plan.tier.since), ("tier_review_at", plan.tier.review_at)):
            if at is not None:
                sets.append(f"{name} = :{name}")
                values[f":{name}"] = at
    else:
        sets.append("tier = if_not_exists(tier, :tier)")
        values[":tier"] = BASE_TIER
    if plan.activity_at is not None:
        sets.append("last_activity_at = :activity")
        values[":activity"] = plan.activity_at
    if plan.consent is not None:
        sets += ["email_consent = :consent", "consent_updated_at = :consent_at"]
        values |= {":consent": plan.consent[0], ":consent_at": plan.consent[1]}
    if source.unsubscribed:
        adds.append("unsubscribed :unsubscribed")
        values[":unsubscribed"] = source.unsubscribed
    for flag in ("hard_bounced", "complained"):
        if getattr(source, flag):
            sets.append(f"{flag} = :true")
            values[":true"] = True
