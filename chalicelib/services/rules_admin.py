"""Program rules through the admin API: the versions stored, and a new version, audited.

A new version takes effect now or later, never in the past: entries already recorded keep the version that
made them (and clawbacks follow it), so history is never rewritten.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from chalicelib.domain.audit import AuditRecord, audit_record
from chalicelib.domain.errors import Conflict, DuplicateEntry, InvalidRequest, NotFound
from chalicelib.domain.program import ProgramRules, rules_at
from chalicelib.domain.rules_codec import rules_to_json
from chalicelib.services.ports.programs import ApiKey


class RulesStore(Protocol):
    def versions(self, program_id: str) -> list[ProgramRules]: ...

    def add_version(self, program_id: str, rules: ProgramRules, audit: AuditRecord | None = None) -> None:
        """Store the version and its audit record at once; DuplicateEntry when its name or time is taken."""
        ...

    def withdraw(self, program_id: str, rules: ProgramRules, audit: AuditRecord) -> bool:
        """Remove a version (and write its audit record) at once; False when it was removed already."""
        ...


@dataclass(frozen=True)
class RulesOverview:
    current: ProgramRules                 # in force now (the defaults when none is stored)
    versions: tuple[ProgramRules, ...]    # every stored version, newest effective time first


def rules_overview(store: RulesStore, program_id: str, now: datetime) -> RulesOverview:
    versions = store.versions(program_id)
    return RulesOverview(current=rules_at(versions, now),
                         versions=tuple(sorted(versions, key=lambda v: v.effective_from, reverse=True)))


def generated_version(now: datetime) -> str:
    return f"v-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def create_rules(rules: ProgramRules, key: ApiKey, store: RulesStore, now: datetime) -> ProgramRules:
    """Store a new version (its fields and the rules across them already checked) with an audit record of it."""
    if rules.effective_from < now:
        raise InvalidRequest("effective_from: must not be in the past; entries already recorded keep the version "
                             "that made them", code="invalid_rules")
    versions = store.versions(key.program_id)
    if any(v.version == rules.version for v in versions):
        raise Conflict(f"rules version {rules.version} already exists", code="version_exists")
    if any(v.effective_from == rules.effective_from for v in versions):
        raise Conflict("another version takes effect at this time", code="version_exists")
    audit = audit_record(key.key_id, now, "rules.create", f"rules:{rules.version}",
                         before=rules_to_json(rules_at(versions, now)), after=rules_to_json(rules))
    try:
        store.add_version(key.program_id, rules, audit)
    except DuplicateEntry as e:
        raise Conflict(f"rules version {rules.version} or its effective time is taken", code="version_exists") from e
    return rules


def withdraw_rules(version: str, key: ApiKey, store: RulesStore, now: datetime) -> ProgramRules:
    """Take back a version before it takes effect. A version that was ever in force stays: entries name it."""
    found = [v for v in store.versions(key.program_id) if v.version == version]
    if not found:
        raise NotFound(f"no rules version {version}")
    rules = found[0]
    if rules.effective_from <= now:
        raise Conflict(f"rules version {version} took effect at {rules.effective_from.isoformat()}; publish a new "
                       "version to change the rules from now on", code="version_in_force")
    audit = audit_record(key.key_id, now, "rules.withdraw", f"rules:{version}", before=rules_to_json(rules))
    if not store.withdraw(key.program_id, rules, audit):
        raise NotFound(f"no rules version {version}")
    return rules
