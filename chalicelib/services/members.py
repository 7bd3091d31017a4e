"""Read side of the admin API: find members and page through their ledgers."""
from __future__ import annotations

import re

from chalicelib.domain.errors import InvalidRequest, NotFound
from chalicelib.domain.ledger import LedgerPage, Member
from chalicelib.services.ports import LedgerRepository

MAX_PAGE = 100


def find_members(ledger: LedgerRepository, program_id: str, email: str | None) -> list[Member]:
    if not email or "@" not in email:
        raise InvalidRequest("give an email address to look members up by: ?email=...", code="invalid_query")
    return ledger.find_by_email(program_id, email)


def get_member(ledger: LedgerRepository, program_id: str, member_id: str) -> Member:
    member = ledger.get_member(program_id, member_id)
    if member is None:
        raise NotFound(f"no member {member_id}")
    return member


def member_ledger(ledger: LedgerRepository, program_id: str, member_id: str, cursor: str | None,
                  limit: str | None) -> LedgerPage:
    size = page_limit(limit)
    get_member(ledger, program_id, member_id)
    return ledger.ledger(program_id, member_id, cursor, size)


def page_limit(limit: str | None) -> int:
    if limit is None:
        return 50
    if not re.fullmatch(r"[0-9]{1,4}", limit) or not 1 <= int(limit) <= MAX_PAGE:
        raise InvalidRequest(f"limit must be an integer from 1 to {MAX_PAGE}", code="invalid_query")
    return int(limit)
