"""Create an owner API key for a program on AWS: stored in SSM only as its SHA-256, printed once.

    python -m infra.admin_key --stage dev --program demo
"""
from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import sys

import boto3


def create_key(ssm: object, stage: str, program_id: str, scopes: list[str]) -> str:
    key = "lk_" + secrets.token_urlsafe(32)
    digest = hashlib.sha256(key.encode()).hexdigest()
    record = {"key_id": "k_" + digest[:12], "program_id": program_id, "scopes": scopes}
    ssm.put_parameter(  # type: ignore[attr-defined]
        Name=f"/loyalty/{stage}/admin-keys/{digest}", Type="SecureString", Value=json.dumps(record),
        Description=f"API key {record['key_id']} of program {program_id}",
    )
    return key


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", required=True)
    parser.add_argument("--program", required=True)
    parser.add_argument("--scopes", default="read,write,owner")
    args = parser.parse_args(argv)
    key = create_key(boto3.client("ssm"), args.stage, args.program, args.scopes.split(","))
    print("New API key (shown once, store it in your password manager):")
    print(key)
    return 0


if __name__ == "__main__":
    sys.exit(main())
