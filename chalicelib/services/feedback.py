"""Bounces and complaints suppress an address: a hard bounce stops all mail in every program, a complaint all but
account mail in the program whose mail was complained about (chalicelib/domain/feedback.py)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.feedback import MailFeedback, programs_to_flag
from chalicelib.services.ports.ledger import LedgerRepository
from chalicelib.services.ports.profiles import Profiles
from chalicelib.services.ports.programs import ProgramDirectory


@dataclass(frozen=True)
class FeedbackOutcome:
    flagged: int                       # members flagged
    scope: str | None = None           # how the programs were chosen (domain.feedback); None: nothing to do
    programs: tuple[str, ...] = ()     # the programs looked in


def apply_feedback(notice: MailFeedback, directory: ProgramDirectory, ledger: LedgerRepository, profiles: Profiles,
                   now: datetime) -> FeedbackOutcome:
    """Flag the members with a bounced or complaining address in the programs the notice concerns."""
    if notice.kind is None or not notice.addresses:
        return FeedbackOutcome(flagged=0)
    programs, scope = programs_to_flag(notice, directory.programs(), lambda p: directory.messaging(p).sender_email)
    flagged = 0
    for program_id in programs:
        for address in notice.addresses:
            for member in ledger.find_by_email(program_id, address):
                profiles.suppress(program_id, member.member_id, notice.kind, now)
                flagged += 1
    return FeedbackOutcome(flagged=flagged, scope=scope, programs=tuple(programs))
