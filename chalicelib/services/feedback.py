"""Bounces and complaints suppress an address: a hard bounce stops all mail, a complaint all but account mail."""
from __future__ import annotations

from datetime import datetime

from chalicelib.adapters.ses_feedback import parse_feedback
from chalicelib.services.ports import LedgerRepository, Profiles, ProgramDirectory


def apply_feedback(body: str, directory: ProgramDirectory, ledger: LedgerRepository, profiles: Profiles,
                   now: datetime) -> int:
    """Flag every member with a bounced or complaining address, in every program; the number flagged."""
    kind, addresses = parse_feedback(body)
    flagged = 0
    if kind is None:
        return 0
    for program_id in directory.programs():
        for address in addresses:
            for member in ledger.find_by_email(program_id, address):
                profiles.suppress(program_id, member.member_id, kind, now)
                flagged += 1
    return flagged
