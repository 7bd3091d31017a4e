"""DynamoDBBoosts: a granted points multiplier on the member's profile, once per grant.

    guard       PK=P#<program>#F#offer:<key>   SK=FACT   (the grant's key, used once)
    profile     PK=P#<program>#M#<member>      SK=PROFILE   boost = {factor, from, until}

One transaction writes both: a retried grant finds its guard and changes nothing, even after a later grant
replaced the boost. The award path reads the boost with the profile it reads anyway (no extra round trip).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.adapters.dynamodb_attributes import item_key, to_attributes
from chalicelib.adapters.dynamodb_codec import BOOST, boost_attribute
from chalicelib.adapters.dynamodb_conditions import cancellation
from chalicelib.domain.errors import ConcurrentChange, NotFound
from chalicelib.domain.offers import Boost, offer_key

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DynamoDBBoosts:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self.table = table_name
        self.client = client

    def set_boost(self, program_id: str, member_id: str, boost: Boost, key: str) -> bool:
        reasons = cancellation(self.client, build_boost_writes(self.table, program_id, member_id, boost, key))
        if reasons is None:
            return True
        if reasons[:1] == ["ConditionalCheckFailed"]:
            return False
        if reasons[1:2] == ["ConditionalCheckFailed"]:
            raise NotFound(f"no member {member_id}")
        raise ConcurrentChange("the member was changing; try again")


def build_boost_writes(table: str, program_id: str, member_id: str, boost: Boost, key: str) -> list[dict[str, Any]]:
    """The guard (first, so its refusal reads as "granted before") and the profile's boost."""
    guard = to_attributes({"PK": keys.fact_pk(program_id, offer_key(key)), "SK": keys.FACT, "type": "offer",
                           "member_id": member_id, "recorded_at": boost.starts_at})
    return [
        {"Put": {"TableName": table, "Item": guard, "ConditionExpression": "attribute_not_exists(PK)"}},
        {"Update": {"TableName": table, "Key": item_key(keys.member_pk(program_id, member_id), keys.PROFILE),
                    "UpdateExpression": "SET #boost = :boost", "ConditionExpression": "attribute_exists(PK)",
                    "ExpressionAttributeNames": {"#boost": BOOST},
                    "ExpressionAttributeValues": to_attributes({":boost": boost_attribute(boost)})}},
    ]
