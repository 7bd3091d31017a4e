"""DynamoDBRedemptions: redemptions next to their member, each written with its points in one transaction.

    redemption      PK=P#<program>#M#<member>   SK=RDM#<redemption id>   (+ DUEPK/DUESK while registration is due)
    idempotency     PK=P#<program>#F#redeem:<idempotency key>   SK=FACT  (request hash, member, redemption id)

The transaction that redeems holds: the idempotency guard, the profile update (conditional on the spendable
balance covering the cost, so concurrent redemptions can never overdraw), the ledger entry, the redemption,
its audit record and, when no registration is needed, the email with the code.
"""
from __future__ import annotations

import builtins
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.adapters import dynamodb_codec as codec
from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.adapters.dynamodb_attributes import from_attributes, item_key, to_attributes, when
from chalicelib.adapters.dynamodb_audit import audit_put
from chalicelib.adapters.dynamodb_conditions import cancellation
from chalicelib.adapters.dynamodb_members import member_writes
from chalicelib.adapters.dynamodb_orders import due_keys
from chalicelib.adapters.dynamodb_outbox import message_item
from chalicelib.domain.audit import AuditRecord
from chalicelib.domain.due import REGISTRATION_TASK
from chalicelib.domain.errors import ConcurrentChange, DuplicateEntry, InsufficientPoints
from chalicelib.domain.ledger import LedgerEntry, MemberHints
from chalicelib.domain.messages import Message
from chalicelib.domain.redemptions import PENDING, Redemption
from chalicelib.services.ports.ledger import MemberChange

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_TEXT = ("reward_id", "reward_name", "reward_kind", "reward_value", "minimum_subtotal", "code", "status",
         "customer_id", "entry_id", "idempotency_key", "discount_id", "last_error")


class DynamoDBRedemptions:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self.table = table_name
        self.client = client

    def redeem(self, program_id: str, redemption: Redemption, entry: LedgerEntry, request_hash: str,
               change: MemberChange, audit: AuditRecord) -> None:
        """DuplicateEntry: the idempotency key was used; InsufficientPoints: the balance no longer covers it;
        ConcurrentChange: another transaction held the profile (read again and retry)."""
        guard = codec.fact_item(program_id, redemption.member_id, entry) | to_attributes({
            "request_hash": request_hash, "redemption_id": redemption.redemption_id})
        writes = [{"Put": {"TableName": self.table, "Item": guard, "ConditionExpression": "attribute_not_exists(PK)"}},
                  *member_writes(self.table, program_id, redemption.member_id, None, MemberHints(), [entry], change,
                                 redemption.created_at),
                  {"Put": {"TableName": self.table, "Item": self._item(program_id, redemption),
                           "ConditionExpression": "attribute_not_exists(PK)"}},
                  audit_put(self.table, program_id, audit)]
        reasons = cancellation(self.client, writes)
        if reasons is None:
            return
        if reasons[:1] == ["ConditionalCheckFailed"]:
            raise DuplicateEntry("the idempotency key was used before")
        if reasons[1:2] == ["ConditionalCheckFailed"]:
            raise InsufficientPoints("the balance does not cover this reward")
        raise ConcurrentChange("the member was changing; read again")

    def by_idempotency_key(self, program_id: str, idempotency_key: str) -> tuple[str, Redemption | None] | None:
        """The request hash and the redemption an idempotency key already produced, if any."""
        item = self.client.get_item(TableName=self.table, ConsistentRead=True, Key=item_key(
            keys.fact_pk(program_id, f"redeem:{idempotency_key}"), keys.FACT)).get("Item")
        if not item or "redemption_id" not in item:
            return None
        guard = from_attributes(item)
        return guard["request_hash"], self.get(program_id, guard["member_id"], guard["redemption_id"])

    def get(self, program_id: str, member_id: str, redemption_id: str) -> Redemption | None:
        item = self.client.get_item(TableName=self.table, ConsistentRead=True, Key=item_key(
            keys.member_pk(program_id, member_id), f"RDM#{redemption_id}")).get("Item")
        return _redemption(item) if item else None

    def list(self, program_id: str, member_id: str) -> list[Redemption]:
        response = self.client.query(
            TableName=self.table, KeyConditionExpression="PK = :pk AND begins_with(SK, :r)",
            ExpressionAttributeValues=to_attributes({":pk": keys.member_pk(program_id, member_id), ":r": "RDM#"}))
        return sorted((_redemption(i) for i in response.get("Items", [])), key=lambda r: r.created_at, reverse=True)

    def settle(self, program_id: str, before: Redemption, after: Redemption, now: datetime,
               messages: tuple[Message, ...] = ()) -> bool:
        """Store the registration's outcome (registered, not registered, or another try later) if the
        redemption is still pending; False when another run settled it first."""
        writes = [{"Put": {"TableName": self.table, "Item": self._item(program_id, after, now),
                           "ConditionExpression": "#s = :pending AND attempts = :attempts",
                           "ExpressionAttributeNames": {"#s": "status"},
                           "ExpressionAttributeValues": to_attributes({":pending": PENDING,
                                                                       ":attempts": before.attempts})}},
                  *({"Put": {"TableName": self.table, "Item": message_item(program_id, m, now),
                             "ConditionExpression": "attribute_not_exists(PK)"}} for m in messages)]
        return self._settled(writes)

    def give_up(self, program_id: str, before: Redemption, after: Redemption, reversal: LedgerEntry,
                change: MemberChange, audit: AuditRecord, now: datetime) -> bool:
        """Registration failed for good: the redemption is marked failed and its points come back, at once."""
        writes = [{"Put": {"TableName": self.table, "Item": self._item(program_id, after, now),
                           "ConditionExpression": "#s = :pending AND attempts = :attempts",
                           "ExpressionAttributeNames": {"#s": "status"},
                           "ExpressionAttributeValues": to_attributes({":pending": PENDING,
                                                                       ":attempts": before.attempts})}},
                  {"Put": {"TableName": self.table, "Item": codec.fact_item(program_id, after.member_id, reversal),
                           "ConditionExpression": "attribute_not_exists(PK)"}},
                  *member_writes(self.table, program_id, after.member_id, None, MemberHints(), [reversal], change, now),
                  audit_put(self.table, program_id, audit)]
        return self._settled(writes)

    def _settled(self, writes: builtins.list[dict[str, Any]]) -> bool:
        """True when written; False when the redemption was no longer pending (another run settled it). Any other
        refusal (a reversal or message already recorded, a conflict) raises: the outcome must never be lost."""
        reasons = cancellation(self.client, writes)
        if reasons is None:
            return True
        if reasons[:1] == ["ConditionalCheckFailed"]:
            return False
        if "ConditionalCheckFailed" in reasons:
            raise DuplicateEntry(f"the redemption's outcome was refused: {', '.join(reasons)}")
        raise ConcurrentChange("the redemption was changing")

    def _item(self, program_id: str, r: Redemption, now: datetime | None = None) -> dict[str, Any]:
        """While registration is pending the redemption sits in the Due index at its next try (`retry_at`)."""
        due_at = (r.retry_at or r.created_at) if r.status == PENDING else None
        due = due_keys(program_id, due_at, REGISTRATION_TASK, f"{r.member_id}/{r.redemption_id}",
                       now or r.created_at) if due_at else {}
        return to_attributes({
            "PK": keys.member_pk(program_id, r.member_id), "SK": f"RDM#{r.redemption_id}", "type": "redemption",
            "redemption_id": r.redemption_id, "member_id": r.member_id, "points": r.points, "attempts": r.attempts,
            "created_at": r.created_at, "updated_at": r.updated_at or now or r.created_at,
            **{name: getattr(r, name) for name in _TEXT}, "expires_at": r.expires_at or None, "retry_at": due_at,
            **due})


def _redemption(item: dict[str, Any]) -> Redemption:
    v = from_attributes(item)
    return replace(Redemption(
        redemption_id=v["redemption_id"], member_id=v["member_id"], reward_id=v["reward_id"],
        reward_name=v["reward_name"], reward_kind=v["reward_kind"], reward_value=v.get("reward_value"),
        minimum_subtotal=v.get("minimum_subtotal"), points=int(v["points"]), code=v["code"], status=v["status"],
        created_at=datetime.fromisoformat(v["created_at"]), expires_at=when(v.get("expires_at")),
        customer_id=v.get("customer_id"), entry_id=v["entry_id"], idempotency_key=v["idempotency_key"],
        attempts=int(v["attempts"]), discount_id=v.get("discount_id"), last_error=v.get("last_error")),
        updated_at=datetime.fromisoformat(v["updated_at"]), retry_at=when(v.get("retry_at")))
