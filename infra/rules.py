"""Show or add a program's rule versions: validated and audited exactly as POST /admin/rules does them.

    python -m infra.rules show --program demo               # the versions stored, oldest first
    python -m infra.rules add --program demo rules.json     # a new version, effective now or at a later effective_from
    python -m infra.rules template                          # the defaults as JSON, a starting point

Against the running local stack by default (its endpoints); pass --aws to use the AWS credentials and
region of the environment with --stage.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import boto3

from chalicelib.adapters.dynamodb_rules import DynamoDBRules
from chalicelib.domain.errors import LoyaltyError
from chalicelib.domain.program import DEFAULT_RULES
from chalicelib.domain.rules_codec import rules_to_json
from chalicelib.services.ports.programs import ApiKey
from chalicelib.services.rules_admin import create_rules
from chalicelib.web.rules_input import read_rules
from infra.local.settings import aws_env, port_open, ports_from, require_stack


def store(stage: str, local: bool) -> DynamoDBRules:
    if local:
        ports = ports_from()
        require_stack(ports.aws)
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
        template = {k: v for k, v in rules_to_json(DEFAULT_RULES).items() if k not in ("version", "effective_from")}
        print(json.dumps(template, indent=2))        # no name or time: a new version is named and starts when stored
        return 0
    rules = store(args.stage, local=not args.aws)
    if args.command == "show":
        print(json.dumps([rules_to_json(v) for v in sorted(rules.versions(args.program),
                                                             key=lambda v: v.effective_from)], indent=2))
        return 0
    if args.file is None:
        parser.error("add needs a JSON file")
    try:
        body, now = json.loads(args.file.read_text()), datetime.now(UTC)
        version = create_rules(read_rules(body, now), command_key(args.program), rules, now)
    except (LoyaltyError, ValueError) as e:
        print(f"refused: {getattr(e, 'message', e)}", file=sys.stderr)
        return 2
    print(f"rules version {version.version} stored, effective from {version.effective_from.isoformat()}")
    return 0


def command_key(program_id: str) -> ApiKey:
    """Who the audit record names: this command, with the same rights and checks as POST /admin/rules."""
    return ApiKey(key_id="cli:make-rules", program_id=program_id, scopes=frozenset({"write"}))


if __name__ == "__main__":
    sys.exit(main())
