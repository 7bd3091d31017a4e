"""One-click unsubscribe (RFC 8058): a signed link names member and category; POST leaves, GET only asks."""
from __future__ import annotations

from datetime import datetime

from chalicelib.messaging import tokens
from chalicelib.messaging.tokens import UnsubscribeClaim
from chalicelib.services.ports import Profiles, ProgramDirectory


def check(token: str, directory: ProgramDirectory, now: datetime) -> tuple[UnsubscribeClaim, str]:
    """The verified claim and the program's name; InvalidSignature for any token we did not sign."""
    settings = directory.messaging(tokens.claimed_program(token))
    return tokens.verify(list(settings.unsubscribe_secrets), token, now), settings.program_name


def unsubscribe(token: str, directory: ProgramDirectory, profiles: Profiles, now: datetime) -> tuple[str, str]:
    claim, program_name = check(token, directory, now)
    profiles.unsubscribe(claim.program_id, claim.member_id, claim.category, now)
    return claim.category, program_name
