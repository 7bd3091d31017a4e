"""DynamoDBFeedbackStore: surveys sent and their answers (services/ports/feedback.py).

    survey          PK=P#<program>#FEEDBACK     SK=S#<sent at, UTC>#<survey id>   the SentSurvey, and once answered:
                                                score, comment, sentiment, answered_at, first_answered_at
    answered (timeline)  PK=P#<program>#M#<member>  SK=EVT#F#<survey id>        kind feedback_answered, score, at,
                                                sent_at (the survey's key): no comment
    follow-up       PK=P#<program>#M#<member>   SK=DUE#feedback_followup#<survey id>  in the Due index, ref
                                                `<member id>/<survey id>`, filed once per survey

A survey link's token carries the survey's id and issue time (its sent_at), so a link finds its survey with one
GetItem and a period's surveys are one Query of the program's partition. An answer is one transaction: the survey,
the timeline item, the profile's latest feedback facts, the CRM sync mark and, when asked, the follow-up. Comments
are personal data: never logged, and blanked on the survey when the member is erased (`forget_comments`, found
through the member's timeline items).
"""
from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.adapters.dynamodb_attributes import NULL, from_attributes, item_key, query_pages, to_attributes, when
from chalicelib.adapters.dynamodb_codec import feedback_attribute
from chalicelib.adapters.dynamodb_conditions import applied, transact
from chalicelib.adapters.dynamodb_members import crm_sync_mark
from chalicelib.adapters.dynamodb_orders import due_keys
from chalicelib.domain.due import FEEDBACK_FOLLOWUP_TASK
from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.member_events import FEEDBACK_ANSWERED
from chalicelib.domain.surveys import NPS_SURVEY, FeedbackFacts, response_id_for
from chalicelib.services.ports.feedback import Answer, SentSurvey, SurveyRecord

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

ANSWERED_PREFIX = "EVT#F#"
FOLLOWUP_SK = f"DUE#{FEEDBACK_FOLLOWUP_TASK}#"


def feedback_pk(program_id: str) -> str:
    return f"P#{program_id}#FEEDBACK"


def survey_sk(sent_at: datetime, survey_id: str) -> str:
    return f"S#{sent_at.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%f}Z#{survey_id}"


def followup_ref(member_id: str, survey_id: str) -> str:
    return f"{member_id}/{survey_id}"


class DynamoDBFeedbackStore:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self.table = table_name
        self.client = client

    def survey_sent(self, program_id: str, survey: SentSurvey) -> None:
        item = {"PK": feedback_pk(program_id), "SK": survey_sk(survey.sent_at, survey.survey_id), "type": "survey",
                "response_id": response_id_for(program_id, survey.survey_id), **_sent(survey)}
        applied(self.client.put_item, TableName=self.table, Item=to_attributes(item),
                ConditionExpression="attribute_not_exists(PK)")          # once per survey, whatever the retries

    def survey(self, program_id: str, survey_id: str, sent_at: datetime) -> SurveyRecord | None:
        item = self.client.get_item(TableName=self.table, ConsistentRead=True,
                                    Key=item_key(feedback_pk(program_id), survey_sk(sent_at, survey_id))).get("Item")
        return _record(item) if item else None

    def answer(self, program_id: str, survey: SentSurvey, answer: Answer, follow_up: bool) -> SurveyRecord:
        transact(self.client, build_answer_writes(self.table, program_id, survey, answer, follow_up,
                                                  self._facts(program_id, survey.member_id)))
        return SurveyRecord(survey, answer, response_id_for(program_id, survey.survey_id))

    def surveys(self, program_id: str, start: datetime, end: datetime) -> Iterator[SurveyRecord]:
        for item in self._query(program_id, start, end, forward=True, after=None):
            yield _record(item)

    def newest_first(self, program_id: str, start: datetime, end: datetime,
                     after: str | None) -> Iterator[tuple[SurveyRecord, str]]:
        for item in self._query(program_id, start, end, forward=False, after=_opened(after, start, end)):
            yield _record(item), _position(item["SK"]["S"])

    def member_survey(self, program_id: str, member_id: str, survey_id: str) -> SurveyRecord | None:
        item = self.client.get_item(TableName=self.table, ConsistentRead=True, Key=item_key(
            keys.member_pk(program_id, member_id), f"{ANSWERED_PREFIX}{survey_id}")).get("Item")
        return self.survey(program_id, survey_id, datetime.fromisoformat(from_attributes(item)["sent_at"])) \
            if item else None

    def forget_comments(self, program_id: str, member_id: str, at: datetime) -> int:
        """Blank the comments of the member's answered surveys (erasure); the scores and sentiments stay."""
        forgotten = 0
        for item in self._member_answers(program_id, member_id):
            sk = survey_sk(datetime.fromisoformat(item["sent_at"]), item["survey_id"])
            forgotten += applied(self.client.update_item, TableName=self.table,
                                 Key=item_key(feedback_pk(program_id), sk),
                                 UpdateExpression="REMOVE #comment SET comment_erased_at = :at",
                                 ConditionExpression="attribute_exists(#comment)",
                                 ExpressionAttributeNames={"#comment": "comment"},
                                 ExpressionAttributeValues=to_attributes({":at": at}))
        return forgotten

    def _member_answers(self, program_id: str, member_id: str) -> Iterator[dict[str, Any]]:
        request: dict[str, Any] = {
            "TableName": self.table, "KeyConditionExpression": "PK = :pk AND begins_with(SK, :answered)",
            "ExpressionAttributeValues": to_attributes({":pk": keys.member_pk(program_id, member_id),
                                                        ":answered": ANSWERED_PREFIX})}
        yield from (from_attributes(item) for item in self._pages(request))

    def _facts(self, program_id: str, member_id: str) -> FeedbackFacts:
        item = self.client.get_item(TableName=self.table, ConsistentRead=True, ProjectionExpression="feedback",
                                    Key=item_key(keys.member_pk(program_id, member_id), keys.PROFILE)).get("Item")
        stored = from_attributes(item or {}).get("feedback") or {}
        return FeedbackFacts(_int(stored.get("last_nps")), when(stored.get("last_nps_at")),
                             _int(stored.get("last_csat")), when(stored.get("last_csat_at")))

    def _query(self, program_id: str, start: datetime, end: datetime, forward: bool,
               after: str | None) -> Iterator[dict[str, Any]]:
        if end < start:
            return                      # an empty period (DynamoDB refuses a BETWEEN whose bounds are reversed)
        request: dict[str, Any] = {
            "TableName": self.table, "ScanIndexForward": forward,
            "KeyConditionExpression": "PK = :pk AND SK BETWEEN :first AND :last",
            "ExpressionAttributeValues": to_attributes({":pk": feedback_pk(program_id),
                                                        ":first": survey_sk(start, ""), ":last": survey_sk(end, "~")})}
        if after:
            request["ExclusiveStartKey"] = item_key(feedback_pk(program_id), after)
        yield from self._pages(request)

    def _pages(self, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
        return query_pages(self.client, request)


def build_answer_writes(table: str, program_id: str, survey: SentSurvey, answer: Answer, follow_up: bool,
                        facts: FeedbackFacts) -> list[dict[str, Any]]:
    """The answer's transaction (pure): the survey (answering again changes the answer, `first_answered_at` stays),
    its timeline item, the member's latest answers, the CRM sync mark, and the follow-up filed once per survey."""
    member_pk, response_id = keys.member_pk(program_id, survey.member_id), response_id_for(program_id, survey.survey_id)
    values = {":score": answer.score, ":comment": answer.comment or NULL, ":sentiment": _decimal(answer.sentiment),
              ":at": answer.answered_at, ":m": survey.member_id, ":kind": survey.kind}
    writes: list[dict[str, Any]] = [
        {"Update": {"TableName": table, "Key": item_key(feedback_pk(program_id),
                                                        survey_sk(survey.sent_at, survey.survey_id)),
                    "UpdateExpression": "SET score = :score, #comment = :comment, sentiment = :sentiment, "
                                        "answered_at = :at, first_answered_at = if_not_exists(first_answered_at, :at)",
                    "ConditionExpression": "member_id = :m AND kind = :kind",
                    "ExpressionAttributeNames": {"#comment": "comment"},
                    "ExpressionAttributeValues": to_attributes(values)}},
        {"Put": {"TableName": table, "Item": to_attributes({
            "PK": member_pk, "SK": f"{ANSWERED_PREFIX}{survey.survey_id}", "type": "event", "kind": FEEDBACK_ANSWERED,
            "at": answer.answered_at, "member_id": survey.member_id, "survey_id": survey.survey_id,
            "survey_kind": survey.kind, "score": answer.score, "response_id": response_id,
            "sent_at": survey.sent_at})}},
        {"Update": {"TableName": table, "Key": item_key(member_pk, keys.PROFILE),
                    "UpdateExpression": "SET feedback = :facts", "ConditionExpression": "attribute_exists(PK)",
                    "ExpressionAttributeValues": to_attributes({
                        ":facts": feedback_attribute(_latest(facts, survey.kind, answer))})}},
        crm_sync_mark(table, program_id, survey.member_id, answer.answered_at),
    ]
    if follow_up:
        writes.append(_followup(table, program_id, survey, answer.answered_at))
    return writes


def _followup(table: str, program_id: str, survey: SentSurvey, now: datetime) -> dict[str, Any]:
    """Due at once; a second unhappy answer to the same survey keeps the first filing (if_not_exists)."""
    due = due_keys(program_id, now, FEEDBACK_FOLLOWUP_TASK, followup_ref(survey.member_id, survey.survey_id), now)
    return {"Update": {
        "TableName": table, "Key": item_key(keys.member_pk(program_id, survey.member_id),
                                            f"{FOLLOWUP_SK}{survey.survey_id}"),
        "UpdateExpression": "SET member_id = :m, survey_id = :s, sent_at = :sent, task = :task, "
                            "due_at = if_not_exists(due_at, :due), DUEPK = if_not_exists(DUEPK, :pk), "
                            "DUESK = if_not_exists(DUESK, :sk)",
        "ExpressionAttributeValues": to_attributes({":m": survey.member_id, ":s": survey.survey_id,
                                                    ":sent": survey.sent_at, ":task": FEEDBACK_FOLLOWUP_TASK,
                                                    ":due": now, ":pk": due["DUEPK"], ":sk": due["DUESK"]})}}


def _latest(facts: FeedbackFacts, kind: str, answer: Answer) -> FeedbackFacts:
    """The member's latest NPS and CSAT by answer time: an older answer changed later counts as of its new time."""
    at = answer.answered_at
    if kind == NPS_SURVEY:
        newer = facts.last_nps_at is None or facts.last_nps_at <= at
        return FeedbackFacts(answer.score, at, facts.last_csat, facts.last_csat_at) if newer else facts
    newer = facts.last_csat_at is None or facts.last_csat_at <= at
    return FeedbackFacts(facts.last_nps, facts.last_nps_at, answer.score, at) if newer else facts


def _sent(survey: SentSurvey) -> dict[str, Any]:
    return {"survey_id": survey.survey_id, "member_id": survey.member_id, "kind": survey.kind,
            "trigger": survey.trigger, "sent_at": survey.sent_at.astimezone(UTC), "stage": survey.stage,
            "segment": survey.segment, "tier": survey.tier}


def _record(item: dict[str, Any]) -> SurveyRecord:
    v = from_attributes(item)
    survey = SentSurvey(v["survey_id"], v["member_id"], v["kind"], v["trigger"], datetime.fromisoformat(v["sent_at"]),
                        v["stage"], v.get("segment"), v["tier"])
    answer = Answer(int(v["score"]), v.get("comment"), float(v["sentiment"]) if v.get("sentiment") is not None
                    else None, datetime.fromisoformat(v["answered_at"])) if v.get("score") is not None else None
    return SurveyRecord(survey, answer, v["response_id"])


def _decimal(value: float | None) -> Decimal | Any:
    return NULL if value is None else Decimal(str(round(value, 4)))


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _position(sk: str) -> str:
    return base64.urlsafe_b64encode(sk.encode()).decode().rstrip("=")


def _opened(position: str | None, start: datetime, end: datetime) -> str | None:
    """The survey key a position names; it must lie in the queried range (else 400 invalid_cursor)."""
    if position is None:
        return None
    try:
        sk = base64.urlsafe_b64decode(position + "=" * (-len(position) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as e:
        raise InvalidRequest("cursor is not one this API issued", code="invalid_cursor") from e
    if not sk.startswith("S#") or not survey_sk(start, "") <= sk <= survey_sk(end, "~"):
        raise InvalidRequest("cursor is not one this API issued", code="invalid_cursor")
    return sk
