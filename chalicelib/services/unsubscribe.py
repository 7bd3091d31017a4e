"""One-click unsubscribe (RFC 8058): a signed link names member and category; POST leaves, GET only asks.

Leaving a category is audited (the person, not an API key, made the change), in the profile's own transaction.
"""
from __future__ import annotations

from datetime import datetime

from chalicelib.domain import tokens
from chalicelib.domain.audit import AuditRecord, audit_record
from chalicelib.domain.tokens import UnknownProgram, UnsubscribeClaim
from chalicelib.services.ports.profiles import Profiles
from chalicelib.services.ports.programs import ProgramDirectory

AUDIT_KEY = "public:unsubscribe"
AUDIT_ACTION = "member.unsubscribe"
AUDIT_REASON = "one-click unsubscribe link"


def check(token: str, directory: ProgramDirectory, now: datetime) -> tuple[UnsubscribeClaim, str]:
    """The verified claim and the program's name; InvalidSignature (or one of tokens' finer errors) for any token
    we did not sign, that has expired or is not valid yet, or that names a program we do not have."""
    program_id = tokens.claimed_program(token)
    if program_id not in directory.programs():
        raise UnknownProgram("unsubscribe token names no program of ours")
    settings = directory.messaging(program_id)
    return tokens.verify(list(settings.unsubscribe_secrets), token, now), settings.program_name


def unsubscribe(token: str, directory: ProgramDirectory, profiles: Profiles, now: datetime) -> tuple[str, str]:
    """Leave the token's category (idempotent: leaving it again writes nothing); (category, program name)."""
    claim, program_name = check(token, directory, now)

    def audit(before: frozenset[str]) -> AuditRecord:
        return audit_record(AUDIT_KEY, now, AUDIT_ACTION, f"member:{claim.member_id}", before=sorted(before),
                            after=sorted(before | {claim.category}), reason=AUDIT_REASON)

    profiles.unsubscribe(claim.program_id, claim.member_id, claim.category, now, audit)
    return claim.category, program_name
