"""Admin API keys: random and long, shown once, stored as SHA-256 only; scopes read < write < owner."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain.audit import AuditRecord, audit_record
from chalicelib.domain.errors import Forbidden, NotFound, Unauthorized
from chalicelib.services.ports.clock import Clock
from chalicelib.services.ports.programs import ApiKey, ProgramDirectory

SCOPES = ("read", "write", "owner")
_GRANTS = {"read": {"read"}, "write": {"read", "write"}, "owner": {"read", "write", "owner"}}


class ApiKeyStore(Protocol):
    def find(self, key_sha256: str) -> ApiKey | None: ...

    def add(self, key: ApiKey, key_sha256: str, audit: AuditRecord) -> None: ...

    def list(self, program_id: str) -> list[ApiKey]: ...

    def revoke(self, program_id: str, key_id: str, at: datetime, audit: AuditRecord) -> ApiKey: ...


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def authenticate(authorization: str | None, scope: str, store: ApiKeyStore, directory: ProgramDirectory) -> ApiKey:
    """The caller's key if it is valid, not revoked and grants `scope`.

    Keys are found by their hash, so no stored secret is ever compared byte by byte. Keys made through the
    API live in the table; the setup key of a program (local stack, first deploy) may live in SSM.
    """
    scheme, _, key = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("send an API key as 'Authorization: Bearer <key>'")
    digest = key_hash(key.strip())
    api_key = store.find(digest) or directory.api_key(digest)
    if api_key is None or api_key.revoked_at is not None:
        raise Unauthorized("the API key is not valid")
    if not any(scope in _GRANTS.get(s, set()) for s in api_key.scopes):
        raise Forbidden(f"this API key lacks the '{scope}' scope")
    return api_key


def create_key(name: str, scopes: frozenset[str], caller: ApiKey, store: ApiKeyStore,
               clock: Clock) -> tuple[ApiKey, str]:
    """A new key of the caller's program (its name and scopes checked by the caller: the `NewApiKey` shape); the
    plain key is returned once and never stored."""
    now = clock.now()
    plain = "lk_" + secrets.token_urlsafe(32)
    key = ApiKey(key_id="k_" + secrets.token_hex(8), program_id=caller.program_id, scopes=scopes, name=name,
                 created_at=now, created_by=caller.key_id)
    store.add(key, key_hash(plain), audit_record(caller.key_id, now, "api_key.create", f"api_key:{key.key_id}",
                                                 after=key_summary(key)))
    return key, plain


def revoke_key(key_id: str, caller: ApiKey, store: ApiKeyStore, clock: Clock) -> ApiKey:
    known = {k.key_id: k for k in store.list(caller.program_id)}
    if key_id not in known:
        raise NotFound("no such API key")
    now = clock.now()
    before = key_summary(known[key_id])
    return store.revoke(caller.program_id, key_id, now,
                        audit_record(caller.key_id, now, "api_key.revoke", f"api_key:{key_id}", before=before,
                                     after={**before, "revoked_at": now.isoformat()}))


def key_summary(key: ApiKey) -> dict[str, Any]:
    return {"key_id": key.key_id, "name": key.name, "scopes": sorted(key.scopes),
            "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None}
