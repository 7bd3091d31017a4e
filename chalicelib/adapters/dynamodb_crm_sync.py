"""DynamoDBCrmSync: the CRM sync's marks, per-member statuses and per-connector state.

    sync mark      PK=P#<program>#M#<member>  SK=DUE#crm_sync  due_at, changes, DUEPK/DUESK (written by ledger changes)
    sync status    PK=P#<program>#M#<member>  SK=SYNC#crm      one map per connector: status, at, error, attempts
    connector      PK=P#<program>#CONNECTOR#<name>  SK=STATE   ready_for (properties set up), paused_until
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.adapters.dynamodb_attributes import from_attributes, item_key, key_of, to_attributes, when
from chalicelib.adapters.dynamodb_codec import member_from_item
from chalicelib.adapters.dynamodb_conditions import applied, batch_get
from chalicelib.adapters.dynamodb_members import CRM_SYNC_SK
from chalicelib.adapters.dynamodb_orders import due_keys
from chalicelib.domain.due import CRM_SYNC_TASK
from chalicelib.domain.errors import ConcurrentChange
from chalicelib.services.ports.connectors import ConnectorState, ConnectorStatus, DirtyMember, MemberSync

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

STATUS_SK = "SYNC#crm"
MEMBERS_PER_READ = 33          # three items each: BatchGetItem takes 100 keys


class DynamoDBCrmSync:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self.table = table_name
        self.client = client

    def load(self, program_id: str, member_ids: Sequence[str]) -> list[DirtyMember]:
        """Profiles, marks and statuses of the members, and when each was last sent a review request."""
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for start in range(0, len(member_ids), MEMBERS_PER_READ):
            wanted = [item_key(keys.member_pk(program_id, m), sk)
                      for m in member_ids[start:start + MEMBERS_PER_READ] for sk in (keys.PROFILE, CRM_SYNC_SK,
                                                                                     STATUS_SK)]
            found |= {key_of(i): i for i in self._batch_get(wanted)}
        loaded = []
        for member_id in member_ids:
            pk = keys.member_pk(program_id, member_id)
            profile, mark = found.get((pk, keys.PROFILE)), found.get((pk, CRM_SYNC_SK))
            member = member_from_item(profile) if profile else None
            loaded.append(DirtyMember(
                member_id=member_id, member=member, changes=int(from_attributes(mark)["changes"]) if mark else 0,
                statuses=_statuses(found.get((pk, STATUS_SK))),
                last_review_request=self._last_review_request(pk) if member and not member.erased_at else None))
        return loaded

    def record(self, program_id: str, statuses: dict[str, dict[str, ConnectorStatus]]) -> None:
        puts = [{"PutRequest": {"Item": to_attributes({
            "PK": keys.member_pk(program_id, member_id), "SK": STATUS_SK, "type": "crm_sync",
            **{name: _status_fields(status) for name, status in by_connector.items()}})}}
            for member_id, by_connector in statuses.items()]
        for start in range(0, len(puts), 25):
            request: dict[str, Any] = {self.table: puts[start:start + 25]}
            for attempt in range(8):
                request = self.client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
                if not request:
                    break
                time.sleep(0.02 * 2**attempt)

    def clear(self, program_id: str, member_id: str, changes: int) -> bool:
        return applied(self.client.delete_item, TableName=self.table, Key=_mark_key(program_id, member_id),
                       ConditionExpression="changes = :n", ExpressionAttributeValues=to_attributes({":n": changes}))

    def retry_at(self, program_id: str, member_id: str, at: datetime, now: datetime) -> None:
        due = due_keys(program_id, at, CRM_SYNC_TASK, member_id, now)
        applied(self.client.update_item, TableName=self.table, Key=_mark_key(program_id, member_id),
                UpdateExpression="SET due_at = :at, DUEPK = :pk, DUESK = :sk",
                ConditionExpression="attribute_exists(changes)",
                ExpressionAttributeValues=to_attributes({":at": at, ":pk": due["DUEPK"], ":sk": due["DUESK"]}))

    def sync_status(self, program_id: str, member_id: str) -> MemberSync:
        pk = keys.member_pk(program_id, member_id)
        items = {key_of(i)[1]: i for i in self._batch_get([item_key(pk, sk) for sk in (CRM_SYNC_SK, STATUS_SK)])}
        mark = from_attributes(items.get(CRM_SYNC_SK) or {})
        return MemberSync(due_at=when(mark.get("due_at")), statuses=_statuses(items.get(STATUS_SK)))

    def connector_state(self, program_id: str, connector: str) -> ConnectorState:
        item = self.client.get_item(TableName=self.table, Key=_state_key(program_id, connector)).get("Item") or {}
        state = from_attributes(item)
        return ConnectorState(ready_for=state.get("ready_for"), paused_until=when(state.get("paused_until") or None))

    def set_ready(self, program_id: str, connector: str, account: str, at: datetime) -> None:
        self.client.update_item(TableName=self.table, Key=_state_key(program_id, connector),
                                UpdateExpression="SET ready_for = :a, ready_at = :at",
                                ExpressionAttributeValues=to_attributes({":a": account, ":at": at}))

    def pause(self, program_id: str, connector: str, until: datetime) -> None:
        self.client.update_item(TableName=self.table, Key=_state_key(program_id, connector),
                                UpdateExpression="SET paused_until = :u",
                                ExpressionAttributeValues=to_attributes({":u": until}))

    def _last_review_request(self, pk: str) -> datetime | None:
        """The newest review request sent, from the member's outbox (a few items per member)."""
        request: dict[str, Any] = {
            "TableName": self.table, "KeyConditionExpression": "PK = :pk AND begins_with(SK, :msg)",
            "FilterExpression": "kind = :kind AND #s = :sent", "ProjectionExpression": "updated_at",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": to_attributes({":pk": pk, ":msg": "MSG#", ":kind": "review_request",
                                                        ":sent": "sent"})}
        sent: list[datetime] = []
        while True:
            response = self.client.query(**request)
            sent += [datetime.fromisoformat(from_attributes(i)["updated_at"]) for i in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                return max(sent, default=None)
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _batch_get(self, wanted: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return batch_get(self.client, self.table, wanted, ConcurrentChange(
            "DynamoDB kept some reads unprocessed; the sync will try again"))


def _mark_key(program_id: str, member_id: str) -> dict[str, Any]:
    return item_key(keys.member_pk(program_id, member_id), CRM_SYNC_SK)


def _state_key(program_id: str, connector: str) -> dict[str, Any]:
    return item_key(f"P#{program_id}#CONNECTOR#{connector}", "STATE")


def _status_fields(status: ConnectorStatus) -> dict[str, Any]:
    return {"status": status.status, "attempts": status.attempts, "at": status.at, "error": status.error or None}


def _statuses(item: dict[str, Any] | None) -> dict[str, ConnectorStatus]:
    """One map per connector; the item's other attributes (keys, type) are text."""
    return {name: ConnectorStatus(status=value["status"], at=when(value.get("at")), error=value.get("error"),
                                  attempts=int(value["attempts"]))
            for name, value in from_attributes(item or {}).items() if isinstance(value, dict)}
