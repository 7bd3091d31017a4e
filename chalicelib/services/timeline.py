"""A member's timeline: ledger entries, messages and events (tier and journey changes) in one list, newest first,
paged by the ledger.

Each page holds a page of ledger entries and the messages and events that fall between them; the last page also
holds every older one. So paging costs one ledger query per page, and nothing is shown twice or skipped.
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.ledger import LedgerEntry
from chalicelib.domain.member_events import MemberEvent
from chalicelib.domain.messages import Message
from chalicelib.services.members import get_member, page_limit
from chalicelib.services.ports.ledger import LedgerRepository

Item = LedgerEntry | Message | MemberEvent
Dated = tuple[datetime, Item]


class MemberHistory(Protocol):
    """What the timeline shows beside the ledger: the member's messages and events."""

    def messages(self, program_id: str, member_id: str) -> list[Message]: ...

    def events(self, program_id: str, member_id: str) -> list[MemberEvent]: ...


@dataclass(frozen=True)
class TimelinePage:
    items: tuple[Dated, ...]    # newest first
    next_cursor: str | None


def timeline(ledger: LedgerRepository, history: MemberHistory, program_id: str, member_id: str,
             cursor: str | None, limit: str | None) -> TimelinePage:
    size = page_limit(limit)
    get_member(ledger, program_id, member_id)
    ledger_cursor, before = _decode(cursor)
    page = ledger.ledger(program_id, member_id, ledger_cursor, size)
    after = page.entries[-1].recorded_at if page.next_cursor and page.entries else None
    besides: list[Dated] = [*((_when(m), m) for m in history.messages(program_id, member_id)),
                            *((e.at, e) for e in history.events(program_id, member_id))]
    between = [(at, item) for at, item in besides if (before is None or at < before) and (after is None or at >= after)]
    entries: list[Dated] = [(e.recorded_at, e) for e in page.entries]
    items = sorted([*entries, *between], key=lambda pair: pair[0], reverse=True)
    return TimelinePage(tuple(items), _encode(page.next_cursor, after) if page.next_cursor and after else None)


def _when(message: Message) -> datetime:
    return message.created_at or message.due_at


def _encode(ledger_cursor: str, before: datetime) -> str:
    raw = json.dumps({"l": ledger_cursor, "t": before.isoformat()}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str | None) -> tuple[str | None, datetime | None]:
    if not cursor:
        return None, None
    refused = InvalidRequest("cursor is not one this API issued", code="invalid_cursor")
    try:
        plain = json.loads(base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True))
        ledger_cursor, before = plain["l"], datetime.fromisoformat(plain["t"])
    except (binascii.Error, ValueError, KeyError, TypeError, RecursionError) as e:
        raise refused from e
    if set(plain) != {"l", "t"} or not isinstance(ledger_cursor, str) or not ledger_cursor or before.tzinfo is None:
        raise refused                      # the ledger cursor itself is checked by the ledger
    return ledger_cursor, before
