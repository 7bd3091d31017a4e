"""DynamoDBIdentities: which member a platform identity belongs to, when it is not the one its id derives from.

    identity link   PK=P#<program>#I#<identity kind>:<identity value>   SK=LINK
                    member_id, primary (the identity key the member id derives from), identity

e.g. PK=P#demo#I#hubspot:62515:123 → the member of a Shopify customer with the contact's email. An identity
links once (conditional put): the first link wins, so concurrent events of one contact agree on its member.
Linking to another member also ADDs the identity to that member's `identities`, in the same transaction.
The item holds no personal data (platform ids only) and stays after an erasure, pinning the identity to the
erased member.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.adapters.dynamodb_attributes import from_attributes, item_key, to_attributes
from chalicelib.adapters.dynamodb_conditions import cancellation
from chalicelib.domain.errors import ConcurrentChange
from chalicelib.domain.ledger import Identity
from chalicelib.services.ports.hubspot import IdentityLink

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

LINK = "LINK"


def link_pk(program_id: str, identity: Identity) -> str:
    return f"P#{program_id}#I#{identity.key}"


def build_link_put(table: str, program_id: str, identity: Identity, target: IdentityLink) -> dict[str, Any]:
    return {"TableName": table, "ConditionExpression": "attribute_not_exists(PK)", "Item": to_attributes({
        "PK": link_pk(program_id, identity), "SK": LINK, "type": "identity_link", "identity": identity.key,
        "member_id": target.member_id, "primary": target.primary.key})}


def build_identity_add(table: str, program_id: str, identity: Identity, member_id: str) -> dict[str, Any]:
    """Add the identity to a live member (an erased one keeps its NULL tombstone and gets no link)."""
    return {"TableName": table,
            "Key": item_key(keys.member_pk(program_id, member_id), keys.PROFILE),
            "UpdateExpression": "ADD identities :identity",
            "ConditionExpression": "attribute_exists(PK) AND attribute_not_exists(erased_at)",
            "ExpressionAttributeValues": to_attributes({":identity": {identity.key}})}


class DynamoDBIdentities:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self.table = table_name
        self.client = client

    def resolve(self, program_id: str, identity: Identity) -> IdentityLink | None:
        item = self.client.get_item(TableName=self.table, ConsistentRead=True,
                                    Key=item_key(link_pk(program_id, identity), LINK)).get("Item")
        if not item:
            return None
        link = from_attributes(item)
        kind, _, value = link["primary"].partition(":")
        return IdentityLink(link["member_id"], Identity(kind, value))

    def link(self, program_id: str, identity: Identity, target: IdentityLink) -> IdentityLink | None:
        put = build_link_put(self.table, program_id, identity, target)
        writes: list[dict[str, Any]] = [{"Put": put}]
        if target.primary != identity:
            writes.append({"Update": build_identity_add(self.table, program_id, identity, target.member_id)})
        reasons = cancellation(self.client, writes)
        if reasons is None:
            return target
        if reasons[:1] == ["ConditionalCheckFailed"]:
            return self.resolve(program_id, identity)           # linked before: the first link wins
        if "ConditionalCheckFailed" in reasons:
            return None                                         # the member is gone or erased
        raise ConcurrentChange("the identity or its member changed while linking")
