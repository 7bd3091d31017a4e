"""DynamoDBOutbox: messages live in their member's partition (SK=MSG#<id>) and sit in the Due index while due.

Created inside the ledger transaction that causes them; a dispatcher claims each one with a conditional
write before sending, so two dispatchers never send the same message, and a send whose outcome is unknown
(a crash after the claim) is marked failed after its lease instead of being sent again.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.adapters.dynamodb_attributes import NULL, from_attributes, item_key, to_attributes
from chalicelib.adapters.dynamodb_conditions import applied, cancellation
from chalicelib.adapters.dynamodb_figures import figure_updates
from chalicelib.adapters.dynamodb_member_events import member_events
from chalicelib.adapters.dynamodb_orders import due_keys
from chalicelib.domain import messages as m
from chalicelib.domain.due import MESSAGE_TASK
from chalicelib.domain.figures import Delta, mail_delta
from chalicelib.domain.member_events import MemberEvent

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

LEASE = timedelta(minutes=10)


def message_item(program_id: str, message: m.Message, now: datetime) -> dict[str, Any]:
    due = message.status in (m.SCHEDULED, m.DEFERRED)
    return to_attributes({
        "PK": keys.member_pk(program_id, message.member_id), "SK": f"MSG#{message.message_id}",
        "type": "message", "message_id": message.message_id, "member_id": message.member_id,
        "kind": message.kind, "category": message.category, "status": message.status,
        "due_at": message.due_at, "data": json.dumps(message.data, default=str),
        "created_at": message.created_at or now, "updated_at": now, "attempts": message.attempts,
        **(due_keys(program_id, message.due_at, MESSAGE_TASK, due_ref(message), now) if due else {}),
    })


def due_ref(message: m.Message) -> str:
    return f"{message.member_id}/{message.message_id}"


def message_from_item(item: dict[str, Any]) -> m.Message:
    v = from_attributes(item)
    return m.Message(
        message_id=v["message_id"], member_id=v["member_id"], kind=v["kind"],
        due_at=datetime.fromisoformat(v["due_at"]), data=json.loads(v["data"]),
        status=v["status"], reason=v.get("reason"), ses_message_id=v.get("ses_message_id"),
        created_at=datetime.fromisoformat(v["created_at"]),
        updated_at=datetime.fromisoformat(v["updated_at"]), attempts=int(v["attempts"]),
        # messages sent before sent_at was stored: their last update was the send
        sent_at=_time(v.get("sent_at") or (v["updated_at"] if v["status"] == m.SENT else None)),
        delivered_at=_time(v.get("delivered_at")), opened_at=_time(v.get("opened_at")),
    )


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class DynamoDBOutbox:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self.table = table_name
        self.client = client

    def claim(self, program_id: str, member_id: str, message_id: str, now: datetime) -> m.Message | None:
        """Take a due message for sending; None when another dispatcher has it or it is not due."""
        lease_end = now + LEASE
        try:
            response = self.client.update_item(
                TableName=self.table, Key=self._key(program_id, member_id, message_id),
                UpdateExpression="SET #s = :sending, claimed_at = :now, updated_at = :now, DUEPK = :pk, "
                                 "DUESK = :sk ADD attempts :one",
                ConditionExpression="#s IN (:scheduled, :deferred) AND due_at <= :now",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=to_attributes({
                    ":sending": m.SENDING, ":scheduled": m.SCHEDULED, ":deferred": m.DEFERRED, ":now": now, ":one": 1,
                    **_due_values(program_id, lease_end, f"{member_id}/{message_id}", now)}),
                ReturnValues="ALL_NEW")
        except ClientError as e:
            if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return None
            raise
        return message_from_item(response["Attributes"])

    def abandon_stale_claim(self, program_id: str, member_id: str, message_id: str, now: datetime) -> bool:
        """A claim whose lease ran out without a result: the send may have happened, so never send again."""
        return self._finish(program_id, member_id, message_id, now, m.FAILED,
                            "outcome unknown after an interrupted send; not sent again",
                            condition="#s = :sending AND claimed_at <= :stale",
                            extra={":sending": m.SENDING, ":stale": now - LEASE})

    def finish(self, program_id: str, message: m.Message, now: datetime, status: str, reason: str | None = None,
               ses_message_id: str | None = None, retry_at: datetime | None = None) -> None:
        """Record what happened to a claimed message; a deferred one goes back into the Due index."""
        counted = [mail_delta(now, "sent", message.kind)] if status == m.SENT else []
        self._finish(program_id, message.member_id, message.message_id, now, status, reason,
                     ses_message_id=ses_message_id, retry_at=retry_at,
                     condition="#s = :sending", extra={":sending": m.SENDING}, figures=counted)

    def schedule(self, program_id: str, message: m.Message, now: datetime) -> bool:
        return applied(self.client.put_item, TableName=self.table, Item=message_item(program_id, message, now),
                       ConditionExpression="attribute_not_exists(PK)")

    def messages(self, program_id: str, member_id: str) -> list[m.Message]:
        response = self.client.query(
            TableName=self.table, KeyConditionExpression="PK = :pk AND begins_with(SK, :msg)",
            ExpressionAttributeValues=to_attributes({":pk": keys.member_pk(program_id, member_id), ":msg": "MSG#"}))
        found = [message_from_item(i) for i in response.get("Items", [])]
        return sorted(found, key=lambda msg: msg.due_at, reverse=True)

    def events(self, program_id: str, member_id: str) -> list[MemberEvent]:
        """The member's tier and journey changes, newest first: the rest of its history beside the messages."""
        return member_events(self.client, self.table, program_id, member_id)

    def _finish(self, program_id: str, member_id: str, message_id: str, now: datetime, status: str,
                reason: str | None, condition: str, extra: dict[str, Any], ses_message_id: str | None = None,
                retry_at: datetime | None = None, figures: Sequence[Delta] = ()) -> bool:
        """The message's new state, if `condition` holds; with `figures`, the day counters too, in one transaction."""
        sets = ["#s = :status", "updated_at = :now", "reason = :reason"]
        values: dict[str, Any] = {":status": status, ":now": now, ":reason": reason or NULL, **extra}
        if ses_message_id:
            sets.append("ses_message_id = :ses")
            values[":ses"] = ses_message_id
        if status == m.SENT:
            sets.append("sent_at = :now")
        if retry_at is not None:
            sets += ["due_at = :due", "DUEPK = :pk", "DUESK = :sk"]
            values |= {":due": retry_at, **_due_values(program_id, retry_at, f"{member_id}/{message_id}", now)}
        expression = "SET " + ", ".join(sets) + ("" if retry_at is not None else " REMOVE DUEPK, DUESK")
        update = {"TableName": self.table, "Key": self._key(program_id, member_id, message_id),
                  "UpdateExpression": expression, "ConditionExpression": condition,
                  "ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": to_attributes(values)}
        if not figures:
            return applied(self.client.update_item, **update)
        counters = figure_updates(self.table, program_id, member_id, figures)
        return cancellation(self.client, [{"Update": update}, *counters]) is None

    def _key(self, program_id: str, member_id: str, message_id: str) -> dict[str, Any]:
        return item_key(keys.member_pk(program_id, member_id), f"MSG#{message_id}")


def _due_values(program_id: str, at: datetime, ref: str, now: datetime) -> dict[str, str]:
    keys_ = due_keys(program_id, at, MESSAGE_TASK, ref, now)
    return {":pk": keys_["DUEPK"], ":sk": keys_["DUESK"]}
