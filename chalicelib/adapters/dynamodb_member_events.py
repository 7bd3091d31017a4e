"""A member's events, read back for its timeline: items SK=EVT#<at>#<kind> in the member's partition, written in the
transaction of the change that made them (dynamodb_members.py: `tier_changed`, `journey_changed`), and the answers and
engagement written beside them (dynamodb_feedback.py: EVT#F#…; dynamodb_engagement.py: EVT#L#…, EVT#D#…, EVT#O#…)."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.adapters.dynamodb_attributes import from_attributes, to_attributes
from chalicelib.domain.journey import Cause, Change
from chalicelib.domain.member_events import (
    FEEDBACK_ANSWERED,
    JOURNEY_CHANGED,
    LINK_CLICKED,
    MAIL_DELIVERED,
    MAIL_OPENED,
    TIER_CHANGED,
    FeedbackAnswered,
    JourneyChanged,
    LinkClicked,
    MailDelivered,
    MailOpened,
    MemberEvent,
    TierChanged,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

EVENT_PREFIX = "EVT#"


def event_from_item(item: dict[str, Any]) -> MemberEvent | None:
    """The event an item holds; None for a kind this version does not know (left out of the timeline)."""
    v = from_attributes(item)
    at = datetime.fromisoformat(v["at"])
    if v["kind"] == TIER_CHANGED:
        return TierChanged(at, v["from_tier"], v["to_tier"])
    if v["kind"] == JOURNEY_CHANGED:
        return JourneyChanged(at, tuple(Change(c["kind"], c.get("from"), c["to"], datetime.fromisoformat(c["at"]),
                                               Cause(c["cause"])) for c in v["changes"]))
    if v["kind"] == FEEDBACK_ANSWERED:        # written by dynamodb_feedback.py (SK EVT#F#<survey id>)
        return FeedbackAnswered(at, v["survey_id"], v["survey_kind"], int(v["score"]), v["response_id"])
    if v["kind"] == LINK_CLICKED:             # written by dynamodb_engagement.py (SK EVT#L#…)
        return LinkClicked(at, v["message_id"], v["url_host"], v.get("campaign_id"), bool(v["likely_scanner"]),
                           v.get("url_path") or "/", int(v.get("clicks") or 1))
    if v["kind"] in (MAIL_DELIVERED, MAIL_OPENED):
        mail = MailDelivered if v["kind"] == MAIL_DELIVERED else MailOpened
        return mail(at, v["message_id"], v.get("message_kind"))
    return None


def member_events(client: DynamoDBClient, table: str, program_id: str, member_id: str) -> list[MemberEvent]:
    """Every event of the member, newest first."""
    request: dict[str, Any] = {
        "TableName": table, "KeyConditionExpression": "PK = :pk AND begins_with(SK, :evt)",
        "ExpressionAttributeValues": to_attributes({":pk": keys.member_pk(program_id, member_id),
                                                    ":evt": EVENT_PREFIX})}
    found: list[MemberEvent] = []
    while True:
        response = client.query(**request)
        found += [e for e in map(event_from_item, response.get("Items", [])) if e is not None]
        if "LastEvaluatedKey" not in response:
            return sorted(found, key=lambda event: event.at, reverse=True)
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
