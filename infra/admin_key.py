"""Create the first owner API key of a program on AWS (later keys: POST /admin/api-keys). Printed once.

    python -m infra.admin_key --stage dev --program demo

The key is stored in the stage's table only as its SHA-256, with an audit record, exactly as the API does.
"""
from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

import boto3

from chalicelib.adapters.dynamodb_api_keys import DynamoDBApiKeys
from chalicelib.domain.errors import InvalidRequest
from chalicelib.services.api_keys import SCOPES, create_key
from chalicelib.services.ports.programs import ApiKey
from chalicelib.web.shapes.reading import read
from chalicelib.web.shapes.requests import NewApiKey


class _Now:
    def now(self) -> datetime:
        return datetime.now(UTC)


def create_first_key(dynamodb: Any, table: str, program_id: str, scopes: list[str], name: str) -> tuple[str, str]:
    """(key id, plain key) of a new key; the setup command acts as a one-off owner of the program. The name and
    scopes are held to the shape POST /admin/api-keys takes (`InvalidRequest` naming each problem)."""
    asked = read({"name": name, "scopes": scopes}, NewApiKey, "invalid_api_key")
    setup = ApiKey(key_id="setup-command", program_id=program_id, scopes=frozenset({"owner"}))
    key, plain = create_key(asked.name, frozenset(asked.scopes), setup, DynamoDBApiKeys(table, dynamodb), _Now())
    return key.key_id, plain


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", required=True)
    parser.add_argument("--program", required=True)
    parser.add_argument("--scopes", default=",".join(SCOPES))
    parser.add_argument("--name", default="first owner key")
    parser.add_argument("--table", help="the table name (default loyalty-<stage>)")
    args = parser.parse_args(argv)
    try:
        key_id, plain = create_first_key(boto3.client("dynamodb"), args.table or f"loyalty-{args.stage}",
                                         args.program, args.scopes.split(","), args.name)
    except InvalidRequest as e:
        parser.error(e.message)
    print(f"New API key {key_id} (shown once, store it in your password manager):")
    print(plain)
    return 0


if __name__ == "__main__":
    sys.exit(main())
