"""DynamoDBOutbox: messages live in their member's partition (SK=MSG#<id>) and sit in the Due index while due.

Created inside the ledger transaction that causes them; a dispatcher claims each one with a conditional
write before sending, so two dispatchers never send the same message, and a send whose outcome is unknown
(a crash after the claim) is marked failed after its lease instead of being sent again.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.adapters.dynamodb_conditions import applied
from chalicelib.adapters.dynamodb_orders import due_keys
from chalicelib.domain import messages as m
from chalicelib.domain.due import MESSAGE_TASK

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

LEASE = timedelta(minutes=10)


def message_item(program_id: str, message: m.Message, now: datetime) -> dict[str, Any]:
    item: dict[str, Any] = {
        "PK": {"S": keys.member_pk(program_id, message.member_id)}, "SK": {"S": f"MSG#{message.message_id}"},
        "type": {"S": "message"}, "message_id": {"S": message.message_id}, "member_id": {"S": message.member_id},
        "kind": {"S": message.kind}, "category": {"S": message.category}, "status": {"S": message.status},
        "due_at": {"S": message.due_at.isoformat()}, "data": {"S": json.dumps(message.data, default=str)},
        "created_at": {"S": (message.created_at or now).isoformat()}, "updated_at": {"S": now.isoformat()},
        "attempts": {"N": str(message.attempts)},
    }
    if message.status in (m.SCHEDULED, m.DEFERRED):
        item.update(due_keys(program_id, message.due_at, MESSAGE_TASK, due_ref(message), now))
    return item


def due_ref(message: m.Message) -> str:
    return f"{message.member_id}/{message.message_id}"


def message_from_item(item: dict[str, Any]) -> m.Message:
    def text(name: str) -> str | None:
        return item[name]["S"] if name in item and "S" in item[name] else None

    return m.Message(
        message_id=item["message_id"]["S"], member_id=item["member_id"]["S"], kind=item["kind"]["S"],
        due_at=datetime.fromisoformat(item["due_at"]["S"]), data=json.loads(item["data"]["S"]),
        status=item["status"]["S"], reason=text("reason"), ses_message_id=text("ses_message_id"),
        created_at=datetime.fromisoformat(item["created_at"]["S"]),
        updated_at=datetime.fromisoformat(item["updated_at"]["S"]), attempts=int(item["attempts"]["N"]),
    )


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
                ExpressionAttributeValues={
                    ":sending": {"S": m.SENDING}, ":scheduled": {"S": m.SCHEDULED}, ":deferred": {"S": m.DEFERRED},
                    ":now": {"S": now.isoformat()}, ":one": {"N": "1"},
                    **_due_values(program_id, lease_end, f"{member_id}/{message_id}", now)},
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
                            extra={":sending": {"S": m.SENDING}, ":stale": {"S": (now - LEASE).isoformat()}})

    def finish(self, program_id: str, message: m.Message, now: datetime, status: str, reason: str | None = None,
               ses_message_id: str | None = None, retry_at: datetime | None = None) -> None:
        """Record what happened to a claimed message; a deferred one goes back into the Due index."""
        self._finish(program_id, message.member_id, message.message_id, now, status, reason,
                     ses_message_id=ses_message_id, retry_at=retry_at,
                     condition="#s = :sending", extra={":sending": {"S": m.SENDING}})

    def schedule(self, program_id: str, message: m.Message, now: datetime) -> bool:
        return applied(self.client.put_item, TableName=self.table, Item=message_item(program_id, message, now),
                       ConditionExpression="attribute_not_exists(PK)")

    def messages(self, program_id: str, member_id: str) -> list[m.Message]:
        response = self.client.query(
            TableName=self.table, KeyConditionExpression="PK = :pk AND begins_with(SK, :msg)",
            ExpressionAttributeValues={":pk": {"S": keys.member_pk(program_id, member_id)}, ":msg": {"S": "MSG#"}})
        found = [message_from_item(i) for i in response.get("Items", [])]
        return sorted(found, key=lambda msg: msg.due_at, reverse=True)

    def _finish(self, program_id: str, member_id: str, message_id: str, now: datetime, status: str,
                reason: str | None, condition: str, extra: dict[str, Any], ses_message_id: str | None = None,
                retry_at: datetime | None = None) -> bool:
        sets = ["#s = :status", "updated_at = :now", "reason = :reason"]
        values: dict[str, Any] = {":status": {"S": status}, ":now": {"S": now.isoformat()},
                                  ":reason": {"S": reason} if reason else {"NULL": True}, **extra}
        if ses_message_id:
            sets.append("ses_message_id = :ses")
            values[":ses"] = {"S": ses_message_id}
        if retry_at is not None:
            sets += ["due_at = :due", "DUEPK = :pk", "DUESK = :sk"]
            values |= {":due": {"S": retry_at.isoformat()},
                       **_due_values(program_id, retry_at, f"{member_id}/{message_id}", now)}
        expression = "SET " + ", ".join(sets) + ("" if retry_at is not None else " REMOVE DUEPK, DUESK")
        return applied(self.client.update_item, TableName=self.table, Key=self._key(program_id, member_id, message_id),
                       UpdateExpression=expression, ConditionExpression=condition,
                       ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues=values)

    def _key(self, program_id: str, member_id: str, message_id: str) -> dict[str, Any]:
        return {"PK": {"S": keys.member_pk(program_id, member_id)}, "SK": {"S": f"MSG#{message_id}"}}


def _due_values(program_id: str, at: datetime, ref: str, now: datetime) -> dict[str, Any]:
    keys_ = due_keys(program_id, at, MESSAGE_TASK, ref, now)
    return {":pk": keys_["DUEPK"], ":sk": keys_["DUESK"]}
