"""Feedback about our mail: a hard bounce is about the address, so it counts in every program; a complaint is
about one program's mail, so it counts in that program only.

Which program a complaint is about comes from the tag on the mail. Mail without the tag (sent before tagging,
or identity-level notifications) falls back to the programs whose sender address sent it, and when none
matches to every program: better to stop mailing someone who complained than to mail them again.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.utils import parseaddr

HARD_BOUNCE, COMPLAINT = "hard_bounce", "complaint"

# How the programs to flag were chosen (for the logs).
BY_ADDRESS = "address"              # a hard bounce: every program
BY_TAG = "program_tag"              # the program tag on the complained-about mail
BY_SENDER = "sender_address"        # untagged: the programs whose sender address sent the mail
ALL_PROGRAMS = "all_programs"       # untagged, and no sender matched: every program


@dataclass(frozen=True)
class MailFeedback:
    kind: str | None                  # HARD_BOUNCE, COMPLAINT; None: nothing to act on (soft bounce, delivery)
    addresses: tuple[str, ...] = ()   # lower case
    program_id: str | None = None     # from our program tag on the mail; None when it carried none
    source: str | None = None         # the address the mail was sent from, lower case


def sender_address(value: str | None) -> str | None:
    """The bare, lower-case address of a sender (`Name <a@b>` or `a@b`); None when there is none."""
    address = parseaddr(value or "")[1].strip().lower()
    return address if "@" in address else None


def programs_to_flag(notice: MailFeedback, programs: Sequence[str],
                     sender_of: Callable[[str], str]) -> tuple[list[str], str]:
    """The programs whose members with the notice's addresses are flagged, and how they were chosen."""
    every = list(programs)
    if notice.kind == HARD_BOUNCE:
        return every, BY_ADDRESS
    if notice.program_id is not None and notice.program_id in every:
        return [notice.program_id], BY_TAG
    source = sender_address(notice.source)
    senders = [p for p in every if source and sender_address(sender_of(p)) == source]
    if senders:
        return senders, BY_SENDER
    return every, ALL_PROGRAMS
