"""DynamoDBCampaigns: campaign definitions, and each member's walk through a campaign (an enrollment).

    definition  PK=P#<program>#CAMPAIGNS              SK=C#<campaign id>   definition (JSON text, the template in it),
                status, version, created_at, updated_at, activated_at, template
    enrollment  PK=P#<program>#CAMPAIGN#<campaign id>  SK=E#<member>#<entered at, epoch µs, 20 digits>   every
                Enrollment field, version; DUEPK/DUESK (task `campaign`, ref Enrollment.ref) while due_at is set

A definition is written with its audit record in one transaction, a change only over the version it was read at.
A member enters in one transaction with its last entry on the profile (ce_<campaign id>, dynamodb_codec.py, in UTC
so that the condition compares it as text), so two runs never enter a member twice. An enrollment moves on under
its version; a click moves the version on too, so a walk computed before the click is refused and read again.
"""
from __future__ import annotations

import builtins
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.adapters.dynamodb_attributes import from_attributes, item_key, query_pages, to_attributes, when
from chalicelib.adapters.dynamodb_audit import audit_put
from chalicelib.adapters.dynamodb_codec import campaign_attribute
from chalicelib.adapters.dynamodb_conditions import applied, cancellation
from chalicelib.adapters.dynamodb_orders import due_keys
from chalicelib.domain.audit import AuditRecord
from chalicelib.domain.campaigns import WALKING, Campaign, Enrollment, from_stored, parse_ref
from chalicelib.domain.due import CAMPAIGN_TASK
from chalicelib.domain.errors import ConcurrentChange, DuplicateEntry
from chalicelib.domain.tokens import micros_of

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

PAGE_SIZE = 500
CLICK_ATTEMPTS = 3
_MUTABLE = ("step", "step_since", "status", "due_at", "clicked_at", "sent", "points_granted", "offer_cost",
            "finished_at", "reason")


class DynamoDBCampaigns:
    def __init__(self, table_name: str, client: DynamoDBClient, page_size: int = PAGE_SIZE) -> None:
        self.table = table_name
        self.client = client
        self.page_size = page_size

    def add(self, program_id: str, campaign: Campaign, audit: AuditRecord) -> None:
        put = {"TableName": self.table, "Item": campaign_item(program_id, campaign),
               "ConditionExpression": "attribute_not_exists(PK)"}
        reasons = cancellation(self.client, [{"Put": put}, audit_put(self.table, program_id, audit)])
        if reasons is None:
            return
        if reasons[:1] == ["ConditionalCheckFailed"]:
            raise DuplicateEntry(f"a campaign with id {campaign.campaign_id!r} exists already")
        raise ConcurrentChange(f"the campaign was not stored: {', '.join(reasons)}")

    def replace(self, program_id: str, campaign: Campaign, expected_version: int, audit: AuditRecord) -> None:
        put = {"TableName": self.table, "Item": campaign_item(program_id, campaign),
               "ConditionExpression": "version = :expected",
               "ExpressionAttributeValues": to_attributes({":expected": expected_version})}
        reasons = cancellation(self.client, [{"Put": put}, audit_put(self.table, program_id, audit)])
        if reasons is not None:
            raise ConcurrentChange(f"the campaign is no longer at version {expected_version}: {', '.join(reasons)}")

    def get(self, program_id: str, campaign_id: str) -> Campaign | None:
        item = self.client.get_item(TableName=self.table, ConsistentRead=True,
                                    Key=item_key(_campaigns_pk(program_id), f"C#{campaign_id}")).get("Item")
        return _campaign(item) if item else None

    def list(self, program_id: str) -> builtins.list[Campaign]:
        return [_campaign(i) for i in self._query(_campaigns_pk(program_id), "C#")]

    def enter(self, program_id: str, enrollment: Enrollment, previous_entry: datetime | None, now: datetime) -> bool:
        reasons = cancellation(self.client, build_enter_input(self.table, program_id, enrollment, previous_entry, now))
        if reasons is None:
            return True
        if "ConditionalCheckFailed" in reasons:
            return False
        raise ConcurrentChange(f"the enrollment was not stored: {', '.join(reasons)}")

    def enrollment(self, program_id: str, ref: str) -> Enrollment | None:
        key = enrollment_key(program_id, ref)
        if key is None:
            return None
        item = self.client.get_item(TableName=self.table, Key=key, ConsistentRead=True).get("Item")
        return _enrollment(item) if item else None

    def update(self, program_id: str, enrollment: Enrollment, now: datetime) -> bool:
        return applied(self.client.update_item, **build_update_input(self.table, program_id, enrollment, now))

    def clicked(self, program_id: str, ref: str, at: datetime, now: datetime) -> bool:
        """Read, then write under the version read (a click moves due_at only while it is later than `at`); a
        finished enrollment keeps the click too, and answers False."""
        key = enrollment_key(program_id, ref)
        if key is None:
            return False
        for _ in range(CLICK_ATTEMPTS):
            item = self.client.get_item(TableName=self.table, Key=key, ConsistentRead=True).get("Item")
            if not item:
                return False
            stored = _enrollment(item)
            write = build_click_input(self.table, program_id, stored, at, now)
            if write is None or applied(self.client.update_item, **write):
                return stored.status == WALKING
        raise ConcurrentChange("the enrollment kept changing while a click was recorded")

    def enrollments(self, program_id: str, campaign_id: str) -> Iterator[Enrollment]:
        return (_enrollment(i) for i in self._query(_enrollments_pk(program_id, campaign_id), "E#"))

    def _query(self, pk: str, prefix: str) -> Iterator[dict[str, Any]]:
        request: dict[str, Any] = {
            "TableName": self.table, "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": to_attributes({":pk": pk, ":prefix": prefix}), "Limit": self.page_size}
        yield from query_pages(self.client, request)


def _campaigns_pk(program_id: str) -> str:
    return f"P#{program_id}#CAMPAIGNS"


def _enrollments_pk(program_id: str, campaign_id: str) -> str:
    return f"P#{program_id}#CAMPAIGN#{campaign_id}"


def enrollment_key(program_id: str, ref: str) -> dict[str, Any] | None:
    """The key of the enrollment a ref names; None for a malformed ref."""
    found = parse_ref(ref)
    if found is None:
        return None
    campaign_id, member_id, entered_at = found
    return item_key(_enrollments_pk(program_id, campaign_id), f"E#{member_id}#{micros_of(entered_at):020d}")


def campaign_item(program_id: str, campaign: Campaign) -> dict[str, Any]:
    definition = {**campaign.definition(), **({"template": campaign.template} if campaign.template else {})}
    text = json.dumps(definition, sort_keys=True, separators=(",", ":"))
    return to_attributes({
        "PK": _campaigns_pk(program_id), "SK": f"C#{campaign.campaign_id}", "type": "campaign",
        "campaign_id": campaign.campaign_id, "definition": text,
        "status": campaign.status, "version": campaign.version, "created_at": campaign.created_at,
        "updated_at": campaign.updated_at, "activated_at": campaign.activated_at, "template": campaign.template})


def _campaign(item: dict[str, Any]) -> Campaign:
    v = from_attributes(item)
    return from_stored(v["campaign_id"], json.loads(v["definition"]), status=v["status"], version=int(v["version"]),
                       created_at=when(v.get("created_at")), updated_at=when(v.get("updated_at")),
                       activated_at=when(v.get("activated_at")))


def enrollment_item(program_id: str, e: Enrollment, now: datetime) -> dict[str, Any]:
    key = enrollment_key(program_id, e.ref)
    if key is None:
        raise ValueError(f"no enrollment can be stored under the ref {e.ref!r}")
    return key | to_attributes({
        "type": "campaign_enrollment", "ref": e.ref, "campaign_id": e.campaign_id, "member_id": e.member_id,
        "entered_at": e.entered_at, "holdout": e.holdout, "version": e.version, **_mutable(e),
        **(due_keys(program_id, e.due_at, CAMPAIGN_TASK, e.ref, now) if e.due_at else {})})


def _mutable(e: Enrollment) -> dict[str, Any]:
    return {name: getattr(e, name) for name in _MUTABLE}


def _enrollment(item: dict[str, Any]) -> Enrollment:
    v = from_attributes(item)
    return Enrollment(
        campaign_id=v["campaign_id"], member_id=v["member_id"], entered_at=datetime.fromisoformat(v["entered_at"]),
        holdout=v["holdout"], step=int(v["step"]), step_since=when(v.get("step_since")), status=v["status"],
        due_at=when(v.get("due_at")), clicked_at=when(v.get("clicked_at")), sent=int(v["sent"]),
        points_granted=int(v["points_granted"]), offer_cost=v["offer_cost"], finished_at=when(v.get("finished_at")),
        reason=v.get("reason"), version=int(v["version"]))


def build_enter_input(table: str, program_id: str, e: Enrollment, previous_entry: datetime | None,
                      now: datetime) -> builtins.list[dict[str, Any]]:
    """[Put the enrollment, Update the profile's last entry]: the entry only over `previous_entry` (absent: None)."""
    guard = "attribute_not_exists(#ce)" if previous_entry is None else "#ce = :previous"
    profile = {"TableName": table, "Key": item_key(keys.member_pk(program_id, e.member_id), keys.PROFILE),
               "UpdateExpression": "SET #ce = :entered", "ConditionExpression": f"attribute_exists(PK) AND {guard}",
               "ExpressionAttributeNames": {"#ce": campaign_attribute(e.campaign_id)},
               "ExpressionAttributeValues": to_attributes({":entered": _utc(e.entered_at),
                                                           ":previous": _utc(previous_entry)})}
    put = {"TableName": table, "Item": enrollment_item(program_id, e, now),
           "ConditionExpression": "attribute_not_exists(PK)"}
    return [{"Put": put}, {"Update": profile}]


def build_update_input(table: str, program_id: str, e: Enrollment, now: datetime) -> dict[str, Any]:
    """Every mutable field (absent ones removed) and the Due keys of `due_at` (removed when None), version + 1."""
    due = due_keys(program_id, e.due_at, CAMPAIGN_TASK, e.ref, now) if e.due_at else {"DUEPK": None, "DUESK": None}
    fields = {**_mutable(e), **due}
    sets = [n for n, v in fields.items() if v is not None]
    removes = [n for n in fields if n not in sets]
    expression = "SET " + ", ".join([f"#{n} = :{n}" for n in sets] + ["#version = #version + :one"])
    return {"TableName": table, "Key": enrollment_key(program_id, e.ref), "ConditionExpression": "#version = :expected",
            "UpdateExpression": expression + (" REMOVE " + ", ".join(f"#{n}" for n in removes) if removes else ""),
            "ExpressionAttributeNames": {f"#{n}": n for n in [*fields, "version"]},
            "ExpressionAttributeValues": to_attributes({**{f":{n}": fields[n] for n in sets}, ":one": 1,
                                                        ":expected": e.version})}


def build_click_input(table: str, program_id: str, e: Enrollment, at: datetime, now: datetime) -> dict[str, Any] | None:
    """clicked_at moved to `at` when later, due_at (and its Due keys) to `at` while walking and due later; None when
    neither moves."""
    fields: dict[str, Any] = {}
    if e.clicked_at is None or e.clicked_at < at:
        fields["clicked_at"] = at
    if e.status == WALKING and e.due_at is not None and e.due_at > at:
        fields |= {"due_at": at, **due_keys(program_id, at, CAMPAIGN_TASK, e.ref, now)}
    if not fields:
        return None
    return {"TableName": table, "Key": enrollment_key(program_id, e.ref), "ConditionExpression": "#version = :expected",
            "UpdateExpression": "SET " + ", ".join([f"#{n} = :{n}" for n in fields] + ["#version = #version + :one"]),
            "ExpressionAttributeNames": {f"#{n}": n for n in [*fields, "version"]},
            "ExpressionAttributeValues": to_attributes({**{f":{n}": v for n, v in fields.items()}, ":one": 1,
                                                        ":expected": e.version})}


def _utc(at: datetime | None) -> datetime | None:
    return None if at is None else at.astimezone(UTC)
