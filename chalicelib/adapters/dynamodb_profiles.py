"""DynamoDBProfiles: the mutable, personal part of a member (contact, consent), apart from the ledger.

Each change is one conditional UpdateItem: a platform event older than what the profile already holds is
ignored (events arrive out of order), and an erased member never takes personal data again.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.adapters.dynamodb_attributes import NULL, from_attributes, item_key, to_attribute, to_attributes
from chalicelib.adapters.dynamodb_audit import audit_put
from chalicelib.adapters.dynamodb_codec import BASE_TIER, HUBSPOT_PROPS, touch_attribute
from chalicelib.adapters.dynamodb_conditions import applied, cancellation
from chalicelib.adapters.dynamodb_feedback import DynamoDBFeedbackStore
from chalicelib.adapters.dynamodb_members import file_in_members, file_under_shop
from chalicelib.domain.audit import AuditRecord
from chalicelib.domain.errors import ConcurrentChange
from chalicelib.domain.ledger import Identity, member_id_for

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

MAX_CAPPED_SENDS = 10
UNSUBSCRIBE_ATTEMPTS = 5
PROPERTY_ATTEMPTS = 5


class DynamoDBProducts:
    """Product tags, from Shopify's products/* topics: what earning rules may exclude by tag."""

    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self.table = table_name
        self.client = client

    def set_tags(self, program_id: str, shop: str, product_id: str, tags: frozenset[str], as_of: datetime,
                 handle: str | None = None) -> bool:
        pk = keys.product_pk(program_id, shop, product_id)
        item = to_attributes({"PK": pk, "SK": keys.PRODUCT, "product_id": product_id, "as_of": as_of,
                              **keys.shop_index(program_id, shop, pk), "handle": handle or None, "tags": tags})
        return applied(self.client.put_item, TableName=self.table, Item=item,
                       ExpressionAttributeValues={":asof": item["as_of"]},
                       ConditionExpression="attribute_not_exists(PK) OR as_of < :asof")


class DynamoDBProfiles:
    def __init__(self, table_name: str, client: DynamoDBClient) -> None:
        self.table = table_name
        self.client = client

    def set_contact(self, program_id: str, identity: Identity, email: str | None, first_name: str | None,
                    as_of: datetime) -> bool:
        sets = ["contact_as_of = :asof"]
        values: dict[str, Any] = {":asof": as_of}
        if email:
            sets += ["email = :email", "GSI1PK = :gsi1pk", "GSI1SK = :m"]
            values |= {":email": keys.normalise_email(email), ":gsi1pk": keys.email_pk(program_id, email)}
        if first_name:
            sets.append("first_name = :first")
            values[":first"] = first_name
        return self._update(program_id, identity, sets, values,
                            "attribute_not_exists(erased_at) AND "
                            "(attribute_not_exists(contact_as_of) OR contact_as_of < :asof)", as_of)

    def set_consent(self, program_id: str, identity: Identity, state: str, as_of: datetime) -> bool:
        return self._update(program_id, identity, ["email_consent = :state", "consent_updated_at = :asof"],
                            {":state": state, ":asof": as_of},
                            "attribute_not_exists(erased_at) AND "
                            "(attribute_not_exists(consent_updated_at) OR consent_updated_at < :asof)", as_of)

    def erase(self, program_id: str, identity: Identity, at: datetime) -> bool:
        """Remove personal data for good: NULL tombstones so later events cannot bring it back; the comments of the
        member's survey answers go too (every time: an erasure repeated finds nothing left)."""
        sets = ["erased_at = :asof", "email = :null", "first_name = :null", "identities = :null"]
        values = {":asof": at, ":null": NULL}
        erased = self._update(program_id, identity, sets, values, "attribute_not_exists(erased_at)", at,
                              remove=["email_consent", "contact_as_of", "GSI1PK", "GSI1SK", "birthday",
                                      "birthday_as_of", HUBSPOT_PROPS])
        DynamoDBFeedbackStore(self.table, self.client).forget_comments(
            program_id, member_id_for(program_id, identity), at)
        return erased

    def set_birthday(self, program_id: str, identity: Identity, birthday: date | None, as_of: datetime) -> bool:
        """The date of birth from the CRM (None clears it); an older change or an erased member changes nothing."""
        return self._update(program_id, identity, ["birthday = :birthday", "birthday_as_of = :asof"],
                            {":birthday": birthday or NULL, ":asof": as_of},
                            "attribute_not_exists(erased_at) AND "
                            "(attribute_not_exists(birthday_as_of) OR birthday_as_of < :asof)", as_of)

    def set_hubspot_properties(self, program_id: str, identity: Identity, values: Mapping[str, str | None],
                               as_of: datetime) -> bool:
        """Synced HubSpot properties (None: cleared) changed at `as_of`, each newest first; True when one was kept.

        They live in one map attribute (HUBSPOT_PROPS), so erasure removes them all by naming it. Its entries are set
        one path each, conditionally on the entry being older (or absent): one UpdateItem once the map exists. A
        path cannot be set in a map that is not there, so when that write fails the profile is read (consistently)
        to say why: erased, or every entry as new already → nothing; no map → the map is written whole,
        conditionally on there still being none (a concurrent first write makes that fail: try again).
        """
        if not values:
            return False
        key = item_key(keys.member_pk(program_id, member_id_for(program_id, identity)), keys.PROFILE)
        pending, stamp = dict(values), to_attribute(as_of)["S"]
        for _ in range(PROPERTY_ATTEMPTS):
            if self._set_entries(program_id, identity, pending, as_of):
                return True
            item = self.client.get_item(TableName=self.table, Key=key, ConsistentRead=True,
                                        ProjectionExpression="erased_at, #hp",
                                        ExpressionAttributeNames={"#hp": HUBSPOT_PROPS}).get("Item") or {}
            stored = from_attributes(item)
            if "erased_at" in stored:
                return False
            if stored.get(HUBSPOT_PROPS) is not None:      # the same comparison as the condition's, on the same text
                kept = stored[HUBSPOT_PROPS]
                pending = {n: v for n, v in pending.items() if n not in kept or kept[n]["at"] < stamp}
                if not pending:
                    return False
            elif self._update(program_id, identity, ["#hp = :props"],
                              {":props": {n: {"v": v or NULL, "at": as_of} for n, v in pending.items()}},
                              "attribute_not_exists(erased_at) AND attribute_not_exists(#hp)", as_of,
                              names={"#hp": HUBSPOT_PROPS}):
                return True
        raise ConcurrentChange("the member's HubSpot properties kept changing; try again")

    def _set_entries(self, program_id: str, identity: Identity, entries: Mapping[str, str | None],
                     as_of: datetime) -> bool:
        """Set each entry of an existing map whose stored change is older than `as_of` (all or none)."""
        names = {"#hp": HUBSPOT_PROPS, "#at": "at"} | {f"#p{i}": n for i, n in enumerate(entries)}
        values: dict[str, Any] = {f":p{i}": {"v": v or NULL, "at": as_of} for i, v in enumerate(entries.values())}
        newer = " AND ".join(f"(attribute_not_exists(#hp.#p{i}) OR #hp.#p{i}.#at < :asof)"
                             for i in range(len(entries)))
        return self._update(program_id, identity, [f"#hp.#p{i} = :p{i}" for i in range(len(entries))],
                            values | {":asof": as_of},
                            f"attribute_not_exists(erased_at) AND attribute_exists(#hp) AND {newer}", as_of,
                            names=names)

    def unsubscribe(self, program_id: str, member_id: str, category: str, at: datetime,
                    audit: Callable[[frozenset[str]], AuditRecord]) -> bool:
        """Leave one category of mail, with its audit record in the same transaction.

        The profile is read (consistently) for the categories left before; the write holds only while they are
        still exactly those, so the record's before/after is true. Already left, or an unknown member (erased
        shop, wrong program): nothing is written.
        """
        key = item_key(keys.member_pk(program_id, member_id), keys.PROFILE)
        for _ in range(UNSUBSCRIBE_ATTEMPTS):
            item = self.client.get_item(TableName=self.table, Key=key, ConsistentRead=True,
                                        ProjectionExpression="PK, unsubscribed").get("Item")
            before = frozenset(from_attributes(item or {}).get("unsubscribed") or ())
            if item is None or category in before:
                return False
            condition, values = _same_categories(before)
            update = {"Update": {"TableName": self.table, "Key": key,
                                 "UpdateExpression": "ADD unsubscribed :category SET unsubscribed_at = :at",
                                 "ConditionExpression": condition,
                                 "ExpressionAttributeValues": to_attributes(
                                     values | {":category": {category}, ":at": at})}}
            if cancellation(self.client, [update, audit_put(self.table, program_id, audit(before))]) is None:
                return True
        raise ConcurrentChange("the member's mail preferences kept changing; try again")

    def suppress(self, program_id: str, member_id: str, kind: str, at: datetime) -> None:
        """A hard bounce or a complaint, remembered on the profile the dispatcher reads."""
        flag = "hard_bounced" if kind == "hard_bounce" else "complained"
        applied(self.client.update_item, TableName=self.table,
                Key=item_key(keys.member_pk(program_id, member_id), keys.PROFILE),
                UpdateExpression=f"SET {flag} = :true, {flag}_at = :at", ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeValues=to_attributes({":true": True, ":at": at}))

    def record_capped_send(self, program_id: str, member_id: str, sends: tuple[datetime, ...],
                           surveyed_at: datetime | None = None) -> None:
        """Keep the last few review/feedback/marketing send times on the profile (the cap window needs no more), and
        the time of a survey sent (the survey throttle)."""
        latest = sorted(sends)[-MAX_CAPPED_SENDS:]
        values: dict[str, Any] = {":sends": latest}
        expression = "SET recent_capped_sends = :sends"
        if surveyed_at is not None:
            expression += ", last_surveyed_at = :surveyed"
            values[":surveyed"] = surveyed_at
        self.client.update_item(
            TableName=self.table,
            Key=item_key(keys.member_pk(program_id, member_id), keys.PROFILE),
            UpdateExpression=expression, ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeValues=to_attributes(values))

    def record_touch(self, program_id: str, member_id: str, stage: str, kind: str, at: datetime) -> None:
        self.client.update_item(
            TableName=self.table,
            Key=item_key(keys.member_pk(program_id, member_id), keys.PROFILE),
            UpdateExpression="SET #touch = if_not_exists(#touch, :at)", ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeNames={"#touch": touch_attribute(stage, kind)},
            ExpressionAttributeValues=to_attributes({":at": at}))

    def _update(self, program_id: str, identity: Identity, sets: list[str], values: dict[str, Any],
                condition: str, at: datetime, remove: list[str] | None = None,
                names: dict[str, str] | None = None) -> bool:
        member_id = member_id_for(program_id, identity)
        base = ["program_id = :p", "member_id = :m", "created_at = if_not_exists(created_at, :now)",
                "updated_at = :now", "tier = if_not_exists(tier, :tier)",
                "points_balance = if_not_exists(points_balance, :zero)",
                "pending_points = if_not_exists(pending_points, :zero)",
                "lifetime_points = if_not_exists(lifetime_points, :zero)"]
        if not remove:
            sets = [*sets, "identities = if_not_exists(identities, :identity)"]
            values = values | {":identity": {identity.key}}
            file_under_shop(program_id, member_id, identity, sets, values)
            file_in_members(program_id, member_id, sets, values)
        expression = "SET " + ", ".join(base + sets) + (" REMOVE " + ", ".join(remove) if remove else "")
        return applied(self.client.update_item,
                TableName=self.table,
                Key=item_key(keys.member_pk(program_id, member_id), keys.PROFILE),
                UpdateExpression=expression, ConditionExpression=condition,
                **({"ExpressionAttributeNames": names} if names else {}),
                ExpressionAttributeValues=to_attributes(values | {":p": program_id, ":m": member_id, ":now": at,
                                                                  ":tier": BASE_TIER, ":zero": 0}))


def _same_categories(before: frozenset[str]) -> tuple[str, dict[str, Any]]:
    """A condition that the profile exists and has left exactly the categories `before`."""
    if not before:
        return "attribute_exists(PK) AND attribute_not_exists(unsubscribed)", {}
    names = sorted(before)
    values: dict[str, Any] = {f":left{i}": name for i, name in enumerate(names)}
    values[":count"] = len(names)
    held = " AND ".join(f"contains(unsubscribed, :left{i})" for i in range(len(names)))
    return f"attribute_exists(PK) AND size(unsubscribed) = :count AND {held}", values
