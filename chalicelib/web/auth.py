"""Admin API keys: `Authorization: Bearer <key>`, looked up by SHA-256 (keys are stored only as hashes)."""
from __future__ import annotations

import hashlib
from collections.abc import Mapping

from chalicelib.domain.errors import Forbidden, Unauthorized
from chalicelib.services.ports import ApiKey, ProgramDirectory


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def authenticate(headers: Mapping[str, str], scope: str, directory: ProgramDirectory) -> ApiKey:
    value = headers.get("authorization") or ""
    scheme, _, key = value.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("send an API key as 'Authorization: Bearer <key>'")
    api_key = directory.api_key(key_hash(key.strip()))
    if api_key is None:
        raise Unauthorized("the API key is not valid")
    if scope not in api_key.scopes and "owner" not in api_key.scopes:
        raise Forbidden(f"this API key lacks the '{scope}' scope")
    return api_key
