"""File member profiles written before the `Members` index existed in it, so the nightly journey run finds them.

    python -m infra.backfill_members                      # the running local stack
    python -m infra.backfill_members --aws --stage dev    # the environment's AWS account

Run once after deploying the version that added the index (later profiles are filed as they are written). It is the
one Scan of the table the project has, and only here: profiles without `MEMBERPK`, page by page, each given its
shard's keys by a conditional update (a profile filed meanwhile by a write keeps its keys). Safe to run again.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import boto3

from chalicelib.adapters import dynamodb_keys as keys
from chalicelib.adapters.dynamodb_attributes import from_attributes, to_attributes
from chalicelib.adapters.dynamodb_conditions import applied
from infra.local.settings import aws_env, port_open, ports_from, require_stack


def backfill(client: Any, table: str) -> int:
    """File every unfiled profile; returns how many were filed."""
    filed = 0
    request: dict[str, Any] = {
        "TableName": table, "ProjectionExpression": "PK, program_id, member_id",
        "FilterExpression": "SK = :profile AND attribute_not_exists(MEMBERPK) AND attribute_exists(member_id)",
        "ExpressionAttributeValues": to_attributes({":profile": keys.PROFILE})}
    while True:
        page = client.scan(**request)
        for item in map(from_attributes, page.get("Items", [])):
            program_id, member_id = item["program_id"], item["member_id"]
            filed += applied(
                client.update_item, TableName=table, Key=to_attributes({"PK": item["PK"], "SK": keys.PROFILE}),
                UpdateExpression="SET MEMBERPK = :pk, MEMBERSK = :m",
                ConditionExpression="attribute_exists(PK) AND attribute_not_exists(MEMBERPK)",
                ExpressionAttributeValues=to_attributes({
                    ":pk": keys.members_partition(program_id, keys.member_shard(member_id)), ":m": member_id}))
        if "LastEvaluatedKey" not in page:
            return filed
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", default="local")
    parser.add_argument("--aws", action="store_true", help="use the environment's AWS account, not the local stack")
    args = parser.parse_args(argv)
    if not args.aws:
        ports = ports_from()
        require_stack(ports.aws)
        os.environ.update(aws_env(ports, dynamodb_local=port_open(ports.ddb)))
    print(f"filed {backfill(boto3.client('dynamodb'), f'loyalty-{args.stage}')} member profiles in the Members index")
    return 0


if __name__ == "__main__":
    sys.exit(main())
