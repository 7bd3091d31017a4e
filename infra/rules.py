"""Show or add a program's rule versions (until the admin API edits them): validated, never overwritten.

    python -m infra.rules show --program demo               # the versions stored, oldest first
    python -m infra.rules add --program demo rules.json     # a new version, effective at its effective_from
    python -m infra.rules template                          # the defaults as JSON, a starting point

Against the running local stack by default (its endpoints); pass --aws to use the AWS credentials and
region of the environment with --stage.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import boto3

from chalicelib.adapters.dynamodb_rules import DynamoDBRules
from chalicelib.adapters.rules_codec import rules_from_json, rules_to_json
from chalicelib.domain.errors import LoyaltyError
from chalicelib.domain.program import DEFAULT_RULES
from infra.local.settings import aws_env, port_open, ports_from


def store(stage: str, local: bool) -> DynamoDBRules:
    if local:
        ports = ports_from()
        os.environ.update(aws_env(ports, dynamodb_local=port_open(ports.ddb)))
    return DynamoDBRules(f"loyalty-{stage}", boto3.client("dynamodb"), max_age=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["show", "add", "template"])
    parser.add_argument("file", nargs="?", type=Path)
    parser.add_argument("--program", default=os.environ.get("LOYALTY_PROGRAM_ID", "demo"))
    parser.add_argument("--stage", default="local")
    parser.add_argument("--aws", action="store_true", help="use the environment's AWS account, not the local stack")
    args = parser.parse_args(argv)
    if args.command == "template":
        print(json.dumps(rules_to_json(DEFAULT_RULES), indent=2))
        return 0
    rules = store(args.stage, local=not args.aws)
    if args.command == "show":
        print(json.dumps([rules_to_json(v) for v in sorted(rules.versions(args.program),
                                                             key=lambda v: v.effective_from)], indent=2))
        return 0
    if args.file is None:
        parser.error("add needs a JSON file")
    try:
        version = rules_from_json(json.loads(args.file.read_text()))
        rules.add_version(args.program, version)
    except (LoyaltyError, ValueError) as e:
        print(f"refused: {e}", file=sys.stderr)
        return 2
    print(f"rules version {version.version} stored, effective from {version.effective_from.isoformat()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
