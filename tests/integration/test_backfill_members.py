"""Profiles written before the Members index existed are filed in it once by infra.backfill_members."""
from datetime import UTC, datetime

from chalicelib import bootstrap
from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.adapters.dynamodb_attributes import to_attributes
from infra.backfill_members import backfill

TABLE = "loyalty-local"


def old_profile(aws, member_id):
    at = datetime(2026, 1, 1, tzinfo=UTC)
    aws.client("dynamodb").put_item(TableName=TABLE, Item=to_attributes({
        "PK": keys.member_pk("demo", member_id), "SK": keys.PROFILE, "program_id": "demo", "member_id": member_id,
        "created_at": at, "updated_at": at, "tier": "member", "points_balance": 0, "pending_points": 0,
        "lifetime_points": 0}))


def listed(program_id):
    shards, found = bootstrap.get_member_shards(), []
    for shard in range(shards.shards):
        after = None
        while True:
            page = shards.page(program_id, shard, after, 100)
            found += [m.member_id for m in page.members]
            if page.after is None:
                break
            after = page.after
    return sorted(found)


def test_old_profiles_are_filed_once_and_then_listed_with_the_program(aws):
    ids = [f"m_old{i:03d}" for i in range(25)]
    for member_id in ids:
        old_profile(aws, member_id)
    assert listed("demo") == []

    assert backfill(aws.client("dynamodb"), TABLE) == 25
    assert listed("demo") == ids
    assert backfill(aws.client("dynamodb"), TABLE) == 0
