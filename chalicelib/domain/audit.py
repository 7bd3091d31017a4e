"""Audit records: who changed what, when, why, with the state before and after. Written once, never changed."""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class AuditRecord:
    audit_id: str
    key_id: str             # the API key (or "system:<job>") that made the change
    at: datetime
    action: str             # e.g. "adjustment.create", "reward.create", "api_key.revoke", "rules.create"
    target: str             # what changed: "member:<id>", "reward:<id>", "api_key:<id>", "rules:<version>"
    before: str | None      # JSON of the relevant state before (None: it did not exist)
    after: str | None       # JSON after (None: removed)
    reason: str | None = None


def audit_record(key_id: str, at: datetime, action: str, target: str, before: Any = None, after: Any = None,
                 reason: str | None = None) -> AuditRecord:
    """A new record; `before` and `after` are JSON-serialisable snapshots (no personal data)."""
    return AuditRecord(audit_id="a_" + secrets.token_hex(8), key_id=key_id, at=at, action=action, target=target,
                       before=None if before is None else json.dumps(before, sort_keys=True, default=str),
                       after=None if after is None else json.dumps(after, sort_keys=True, default=str),
                       reason=reason)
