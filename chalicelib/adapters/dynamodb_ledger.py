"""DynamoDBLedger: the ledger repository on one DynamoDB table, one transaction per business fact."""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.adapters import dynamodb_codec as codec
from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.adapters import dynamodb_orders as orders
from chalicelib.adapters.cursors import decode_cursor, encode_cursor, item_cursor
from chalicelib.adapters.dynamodb_attributes import from_attributes, item_key, key_of, to_attribute, to_attributes
from chalicelib.adapters.dynamodb_audit import audit_put
from chalicelib.adapters.dynamodb_conditions import batch_get, cancellation
from chalicelib.adapters.dynamodb_members import member_writes
from chalicelib.adapters.dynamodb_merges import merge_writes
from chalicelib.domain.accounting import OrderAccount
from chalicelib.domain.audit import AuditRecord
from chalicelib.domain.errors import ConcurrentChange, DuplicateEntry
from chalicelib.domain.ledger import Identity, LedgerEntry, LedgerPage, Member, MemberHints, member_id_for
from chalicelib.domain.merges import MemberMerge
from chalicelib.services.ports.ledger import MemberChange, OrderRead

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


MAX_MEMBERS_PER_EMAIL = 25
MAX_PRODUCTS = 98          # BatchGetItem takes 100 keys: the account, the profile and the order's products


class DynamoDBLedger:
    def __init__(self, table_name: str, client: DynamoDBClient,
                 crm_sync: Callable[[str], bool] = lambda program_id: True) -> None:
        """`crm_sync(program_id)`: whether the program's changes mark its members for the CRM sync."""
        self.table = table_name
        self.client = client
        self.crm_sync = crm_sync

    def append(self, program_id: str, identity: Identity, hints: MemberHints, entry: LedgerEntry,
               change: MemberChange | None = None) -> str:
        """Record a one-off fact (signup bonus, adjustment) guarded by its business key."""
        member_id = member_id_for(program_id, identity)
        guard = {"Put": {"TableName": self.table, "Item": codec.fact_item(program_id, member_id, entry),
                         "ConditionExpression": "attribute_not_exists(PK)"}}
        writes = member_writes(self.table, program_id, member_id, identity, hints, [entry], change,
                               entry.recorded_at, self.crm_sync(program_id))
        self._transact([guard, *writes], DuplicateEntry("the business fact is already recorded"))
        return member_id

    def adjust(self, program_id: str, member_id: str, entry: LedgerEntry, request_hash: str, expected_version: int,
               audit: AuditRecord) -> None:
        """A manual adjustment: guard on its idempotency key, the entry, the balances and an audit record, at once.

        DuplicateEntry when the key was used before; ConcurrentChange when the member moved since it was read.
        """
        guard = codec.fact_item(program_id, member_id, entry) | to_attributes({
            "request_hash": request_hash, "entry": json.dumps(codec.entry_json(entry))})
        change = MemberChange(expected_version=expected_version)
        writes = [{"Put": {"TableName": self.table, "Item": guard, "ConditionExpression": "attribute_not_exists(PK)"}},
                  *member_writes(self.table, program_id, member_id, None, MemberHints(), [entry], change,
                                 entry.recorded_at, self.crm_sync(program_id)),
                  audit_put(self.table, program_id, audit)]
        self._transact(writes, DuplicateEntry("the idempotency key was used before"))

    def idempotent_result(self, program_id: str, business_key: str) -> tuple[str, LedgerEntry] | None:
        """The request hash and entry an idempotency key already produced, if any."""
        item = self.client.get_item(TableName=self.table, ConsistentRead=True,
                                    Key=item_key(keys.fact_pk(program_id, business_key), keys.FACT)).get("Item")
        if not item or "request_hash" not in item:
            return None
        guard = from_attributes(item)
        return guard["request_hash"], codec.entry_from_json(json.loads(guard["entry"]))

    def load_order(self, program_id: str, shop: str, order_id: str, member_id: str | None,
                   product_ids: Sequence[str] = ()) -> OrderRead:
        """The order's account, its member's profile and the tags of the given products, in one round trip."""
        wanted = [item_key(orders.order_pk(program_id, shop, order_id), orders.ORDER)]
        if member_id is not None:
            wanted.append(item_key(keys.member_pk(program_id, member_id), keys.PROFILE))
        wanted += [item_key(keys.product_pk(program_id, shop, p), keys.PRODUCT)
                   for p in sorted(set(product_ids))[:MAX_PRODUCTS]]
        found = self._batch_get(wanted)
        account = next((orders.account_from_item(i) for i in found if key_of(i)[1] == orders.ORDER), None)
        member = next((codec.member_from_item(i) for i in found if key_of(i)[1] == keys.PROFILE), None)
        products = [from_attributes(i) for i in found if key_of(i)[1] == keys.PRODUCT]
        tags = {p["product_id"]: frozenset(p.get("tags", ())) for p in products}
        handles = {p["product_id"]: p["handle"] for p in products if "handle" in p}
        return OrderRead(account, member, tags, handles)

    def _batch_get(self, wanted: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return batch_get(self.client, self.table, wanted, ConcurrentChange(
            "DynamoDB kept some reads unprocessed; the delivery will be retried"))

    def commit_order(self, program_id: str, account: OrderAccount, previous_version: int | None,
                     entries: Sequence[LedgerEntry], identity: Identity | None, hints: MemberHints,
                     member: MemberChange | None = None, *, now: datetime) -> None:
        """Write the account (if nobody changed it since it was read), its entries and the member's balances.

        `now` is the caller's clock: it files due work under the right day of the Due index.
        """
        condition = ("attribute_not_exists(PK)" if previous_version is None else "version = :v")
        put: dict[str, Any] = {"TableName": self.table, "Item": orders.account_item(program_id, account, now),
                               "ConditionExpression": condition}
        if previous_version is not None:
            put["ExpressionAttributeValues"] = to_attributes({":v": previous_version})
        writes: list[dict[str, Any]] = [{"Put": put}]
        if entries or member is not None:
            if account.member_id is None:
                raise ValueError("entries need the order's member")
            writes += member_writes(self.table, program_id, account.member_id, identity, hints, entries, member, now,
                                    self.crm_sync(program_id))
        conflict = ConcurrentChange("the order or its member changed while it was being applied")
        if len(writes) == 1:                   # the account alone (a shipment, an early refund): no transaction
            try:
                self.client.put_item(**put)
            except ClientError as e:
                if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
                    raise conflict from e
                raise
            return
        self._transact(writes, conflict, any_condition=True)

    def commit_member(self, program_id: str, member_id: str, entries: Sequence[LedgerEntry],
                      change: MemberChange, now: datetime) -> None:
        """ConcurrentChange when the member moved since it was read; DuplicateEntry when only messages the change
        creates exist already (a message is idempotent on its id: the change was made before)."""
        writes = member_writes(self.table, program_id, member_id, None, MemberHints(), entries, change, now,
                               self.crm_sync(program_id))
        reasons = cancellation(self.client, writes)
        if reasons is None:
            return
        refused = [w for w, reason in zip(writes, reasons, strict=False) if reason == "ConditionalCheckFailed"]
        if refused and all(_is_message(w) for w in refused):
            raise DuplicateEntry("the change's messages exist already")
        if refused or "TransactionConflict" in reasons:
            raise ConcurrentChange("the member changed while the job ran")
        raise ConcurrentChange(f"the transaction was cancelled: {', '.join(reasons)}")

    def merge_members(self, program_id: str, plan: MemberMerge, target_primary: Identity, audit: AuditRecord) -> None:
        """DuplicateEntry when the source was merged before; ConcurrentChange when either member moved meanwhile."""
        reasons = cancellation(self.client, merge_writes(self.table, program_id, plan, target_primary, audit,
                                                         self.crm_sync(program_id)))
        if reasons is None:
            return
        if reasons[:1] == ["ConditionalCheckFailed"]:
            raise DuplicateEntry("the member was merged before")
        raise ConcurrentChange(f"a member changed while merging: {', '.join(reasons)}")

    def find_by_email(self, program_id: str, email: str, exclude: str | None = None) -> list[Member]:
        response = self.client.query(
            TableName=self.table, IndexName="GSI1", Limit=MAX_MEMBERS_PER_EMAIL,
            KeyConditionExpression="GSI1PK = :pk",
            ExpressionAttributeValues=to_attributes({":pk": keys.email_pk(program_id, email)}),
        )
        skip = keys.member_pk(program_id, exclude) if exclude else None
        wanted = [{"PK": item["PK"], "SK": item["SK"]} for item in response.get("Items", []) if key_of(item)[0] != skip]
        if not wanted:
            return []
        return sorted((codec.member_from_item(item) for item in self._batch_get(wanted)), key=lambda m: m.member_id)

    def get_member(self, program_id: str, member_id: str) -> Member | None:
        response = self.client.get_item(TableName=self.table,
                                        Key=item_key(keys.member_pk(program_id, member_id), keys.PROFILE))
        item = response.get("Item")
        return codec.member_from_item(item) if item else None

    def ledger(self, program_id: str, member_id: str, cursor: str | None, limit: int) -> LedgerPage:
        pk = keys.member_pk(program_id, member_id)
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": to_attributes({":pk": pk, ":prefix": keys.ENTRY_PREFIX}),
            "ScanIndexForward": False,
            "Limit": limit + 1,                # one ahead: a page that ends the ledger carries no cursor
        }
        if cursor:
            request["ExclusiveStartKey"] = decode_cursor(cursor, pk, keys.ENTRY_PREFIX)
        response = self.client.query(**request)
        items, last = response.get("Items", []), response.get("LastEvaluatedKey")
        following = item_cursor(items[limit - 1]) if len(items) > limit else encode_cursor(last) if last else None
        return LedgerPage(entries=tuple(codec.entry_from_item(item) for item in items[:limit]),
                          next_cursor=following if items else None)

    def _transact(self, writes: list[dict[str, Any]], on_condition: Exception, any_condition: bool = False) -> None:
        """Run one transaction; a failed condition on its first item (or any, if asked) raises `on_condition`."""
        reasons = cancellation(self.client, writes)
        if reasons is None:
            return
        checked = reasons if any_condition else reasons[:1]
        if "ConditionalCheckFailed" in checked or (any_condition and "TransactionConflict" in reasons):
            raise on_condition
        raise ConcurrentChange(f"the transaction was cancelled: {', '.join(reasons)}")


def _is_message(write: dict[str, Any]) -> bool:
    return write.get("Put", {}).get("Item", {}).get("type") == to_attribute("message")
