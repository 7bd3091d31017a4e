"""DynamoDBRedemptions: redemptions next to their member, each written with its points in one transaction.

    redemption      PK=P#<program>#M#<member>   SK=RDM#<redemption id>   (+ DUEPK/DUESK while registration is due)
    idempotency     PK=P#<program>#F#redeem:<idempotency key>   SK=FACT  (request hash, member, redemption id)

The transaction that redeems holds: the idempotency guard, the profile update (conditional on the spendable
balance covering the cost, so concurrent redemptions can never overdraw), the ledger entry, the redemption,
its audit record and, when no registration is needed, the email with the code.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.adapters import dynamodb_codec as codec
from chalicelib.adapters import dynamodb_keys as keys
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
        guard = codec.fact_item(program_id, redemption.member_id, entry) | {
            "request_hash": {"S": request_hash}, "redemption_id": {"S": redemption.redemption_id}}
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
        item = self.client.get_item(TableName=self.table, ConsistentRead=True, Key={
            "PK": {"S": keys.fact_pk(program_id, f"redeem:{idempotency_key}")}, "SK": {"S": keys.FACT}}).get("Item")
        if not item or "redemption_id" not in item:
            return None
        return item["request_hash"]["S"], self.get(program_id, item["member_id"]["S"], item["redemption_id"]["S"])

    def get(self, program_id: str, member_id: str, redemption_id: str) -> Redemption | None:
        item = self.client.get_item(TableName=self.table, ConsistentRead=True, Key={
            "PK": {"S": keys.member_pk(program_id, member_id)}, "SK": {"S": f"RDM#{redemption_id}"}}).get("Item")
        return _redemption(item) if item else None

    def list(self, program_id: str, member_id: str) -> list[Redemption]:
        response = self.client.query(
            TableName=self.table, KeyConditionExpression="PK = :pk AND begins_with(SK, :r)",
            ExpressionAttributeValues={":pk": {"S": keys.member_pk(program_id, member_id)}, ":r": {"S": "RDM#"}})
        return sorted((_redemption(i) for i in response.get("Items", [])), key=lambda r: r.created_at, reverse=True)

    def settle(self, program_id: str, before: Redemption, after: Redemption, now: datetime,
               messages: tuple[Message, ...] = ()) -> bool:
        """Store the registration's outcome (registered, not registered, or another try later) if the
        redemption is still pending; False when another run settled it first."""
        writes = [{"Put": {"TableName": self.table, "Item": self._item(program_id, after, now),
                           "ConditionExpression": "#s = :pending AND attempts = :attempts",
                           "ExpressionAttributeNames": {"#s": "status"},
                           "ExpressionAttributeValues": {":pending": {"S": PENDING},
                                                         ":attempts": {"N": str(before.attempts)}}}},
                  *({"Put": {"TableName": self.table, "Item": message_item(program_id, m, now),
                             "ConditionExpression": "attribute_not_exists(PK)"}} for m in messages)]
        return self._settled(writes)

    def give_up(self, program_id: str, before: Redemption, after: Redemption, reversal: LedgerEntry,
                change: MemberChange, audit: AuditRecord, now: datetime) -> bool:
        """Registration failed for good: the redemption is marked failed and its points come back, at once."""
        writes = [{"Put": {"TableName": self.table, "Item": self._item(program_id, after, now),
                           "ConditionExpression": "#s = :pending AND attempts = :attempts",
                           "ExpressionAttributeNames": {"#s": "status"},
                           "ExpressionAttributeValues": {":pending": {"S": PENDING},
                                                         ":attempts": {"N": str(before.attempts)}}}},
                  {"Put": {"TableName": self.table, "Item": codec.fact_item(program_id, after.member_id, reversal),
                           "ConditionExpression": "attribute_not_exists(PK)"}},
                  *member_writes(self.table, program_id, after.member_id, None, MemberHints(), [reversal], change, now),
                  audit_put(self.table, program_id, audit)]
        return self._settled(writes)

    def _settled(self, writes: list[dict[str, Any]]) -> bool:
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
        item: dict[str, Any] = {
            "PK": {"S": keys.member_pk(program_id, r.member_id)}, "SK": {"S": f"RDM#{r.redemption_id}"},
            "type": {"S": "redemption"}, "redemption_id": {"S": r.redemption_id}, "member_id": {"S": r.member_id},
            "points": {"N": str(r.points)}, "attempts": {"N": str(r.attempts)},
            "created_at": {"S": r.created_at.isoformat()},
            "updated_at": {"S": (r.updated_at or now or r.created_at).isoformat()}}
        item |= {name: {"S": getattr(r, name)} for name in _TEXT if getattr(r, name) is not None}
        if r.expires_at:
            item["expires_at"] = {"S": r.expires_at.isoformat()}
        if r.status == PENDING:
            due_at = r.retry_at or r.created_at
            item["retry_at"] = {"S": due_at.isoformat()}
            item |= due_keys(program_id, due_at, REGISTRATION_TASK, f"{r.member_id}/{r.redemption_id}",
                             now or r.created_at)
        return item


def _redemption(item: dict[str, Any]) -> Redemption:
    def text(name: str) -> str | None:
        return item[name]["S"] if name in item else None

    return replace(Redemption(
        redemption_id=item["redemption_id"]["S"], member_id=item["member_id"]["S"], reward_id=item["reward_id"]["S"],
        reward_name=item["reward_name"]["S"], reward_kind=item["reward_kind"]["S"], reward_value=text("reward_value"),
        minimum_subtotal=text("minimum_subtotal"), points=int(item["points"]["N"]), code=item["code"]["S"],
        status=item["status"]["S"], created_at=datetime.fromisoformat(item["created_at"]["S"]),
        expires_at=datetime.fromisoformat(item["expires_at"]["S"]) if "expires_at" in item else None,
        customer_id=text("customer_id"), entry_id=item["entry_id"]["S"], idempotency_key=item["idempotency_key"]["S"],
        attempts=int(item["attempts"]["N"]), discount_id=text("discount_id"), last_error=text("last_error")),
        updated_at=datetime.fromisoformat(item["updated_at"]["S"]),
        retry_at=datetime.fromisoformat(item["retry_at"]["S"]) if "retry_at" in item else None)
