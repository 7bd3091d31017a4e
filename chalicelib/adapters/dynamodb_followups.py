"""DynamoDBFollowUps: what the follow-up of an unhappy survey answer did, one small item per survey.

    follow-up   PK=P#<program>#M#<member>  SK=FUP#<survey id>   task_id, task_at, alerted_at   (ids and times only)

When the follow-up is finished, its due item (written by the feedback store with the answer, dynamodb_feedback.py)
leaves the Due index: DUEPK and DUESK are removed, as the outbox does with a finished message.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.adapters.dynamodb_attributes import from_attributes, item_key, to_attributes, when
from chalicelib.adapters.dynamodb_conditions import applied
from chalicelib.adapters.dynamodb_feedback import FOLLOWUP_SK
from chalicelib.services.ports.followups import FollowUpState

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

PREFIX = "FUP#"


class DynamoDBFollowUps:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self.table = table_name
        self.client = client

    def state(self, program_id: str, member_id: str, survey_id: str) -> FollowUpState:
        item = self.client.get_item(TableName=self.table, Key=self._key(program_id, member_id, survey_id),
                                    ConsistentRead=True).get("Item")
        values = from_attributes(item) if item else {}
        return FollowUpState(task_id=values.get("task_id"), alerted_at=when(values.get("alerted_at")))

    def task_created(self, program_id: str, member_id: str, survey_id: str, task_id: str, at: datetime) -> None:
        self._set(program_id, member_id, survey_id, {"task_id": task_id, "task_at": at})

    def alert_sent(self, program_id: str, member_id: str, survey_id: str, at: datetime) -> None:
        self._set(program_id, member_id, survey_id, {"alerted_at": at})

    def finished(self, program_id: str, member_id: str, survey_id: str) -> None:
        applied(self.client.update_item, TableName=self.table,
                Key=item_key(keys.member_pk(program_id, member_id), FOLLOWUP_SK + survey_id),
                UpdateExpression="REMOVE DUEPK, DUESK", ConditionExpression="attribute_exists(PK)")

    def _set(self, program_id: str, member_id: str, survey_id: str, values: dict[str, Any]) -> None:
        names = {f"#{n}": n for n in values}
        self.client.update_item(
            TableName=self.table, Key=self._key(program_id, member_id, survey_id),
            UpdateExpression="SET #type = :type, " + ", ".join(f"#{n} = :{n}" for n in values),
            ExpressionAttributeNames={"#type": "type", **names},
            ExpressionAttributeValues=to_attributes({":type": "feedback_followup",
                                                     **{f":{n}": v for n, v in values.items()}}))

    def _key(self, program_id: str, member_id: str, survey_id: str) -> dict[str, Any]:
        return item_key(keys.member_pk(program_id, member_id), PREFIX + survey_id)
