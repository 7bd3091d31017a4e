"""CSV exports of a program's members and ledger, a bounded page at a time (never everything in memory).

A member's row ends with their journey: stage and state, RFM segment, and the purchase model's predicted value
(shop currency, 2 decimals), p_alive (4 decimals) and expected next order of the last nightly run, empty when unknown.

Every page starts with the header row. Text cells a spreadsheet could run as a formula get a leading single quote
(OWASP, CSV injection): those starting with a tab or carriage return, and those whose first character after any
whitespace and control characters is = + - or @ (or their fullwidth forms). Integer cells (points) and plain
decimal numbers are written as they are, so negative points stay numbers. A lone surrogate (text from a platform
that is not Unicode scalar values) is written as U+FFFD, so a page always encodes.
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain.errors import InvalidRequest, NotFound
from chalicelib.domain.ledger import LedgerEntry, Member

DEFAULT_LIMIT, MAX_LIMIT = 500, 1000
MEMBER_COLUMNS = ("member_id", "email", "first_name", "points_balance", "pending_points", "lifetime_points", "tier",
                  "email_consent", "created_at", "updated_at", "erased_at", "journey_stage", "journey_state",
                  "rfm_segment", "predicted_clv_365d", "p_alive", "expected_next_order_at")
LEDGER_COLUMNS = ("member_id", "entry_id", "kind", "points", "pending_points", "occurred_at", "recorded_at",
                  "rule_version", "reason", "source")
_FORMULA = re.compile(r"[\t\r]|[\s\x00-\x1f\x7f-\x9f]*[=+\-@\uff1d\uff0b\uff0d\uff20]")   # and fullwidth forms
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


class ExportSource(Protocol):
    def member_page(self, program_id: str, shop: str, cursor: str | None,
                    limit: int) -> tuple[list[Member], str | None]: ...

    def ledger_page(self, program_id: str, shop: str, cursor: str | None,
                    limit: int) -> tuple[list[tuple[str, LedgerEntry]], str | None]: ...


@dataclass(frozen=True)
class CsvPage:
    body: str
    next_cursor: str | None
    limit: int


def members_csv(source: ExportSource, program_id: str, shop: str, cursor: str | None, limit: str | None) -> CsvPage:
    size = page_size(limit)
    members, following = source.member_page(program_id, _shop(shop), cursor, size)
    return CsvPage(to_csv(MEMBER_COLUMNS, (member_row(m) for m in members)), following, size)


def ledger_csv(source: ExportSource, program_id: str, shop: str, cursor: str | None, limit: str | None) -> CsvPage:
    size = page_size(limit)
    rows, following = source.ledger_page(program_id, _shop(shop), cursor, size)
    return CsvPage(to_csv(LEDGER_COLUMNS, (entry_row(m, e) for m, e in rows)), following, size)


def member_row(member: Member) -> list[Any]:
    erased = member.erased_at is not None
    return [member.member_id, None if erased else member.email, None if erased else member.first_name,
            member.points_balance, member.pending_points, member.lifetime_points, member.tier, member.email_consent,
            _time(member.created_at), _time(member.updated_at), _time(member.erased_at), *_journey_cells(member)]


def _journey_cells(member: Member) -> list[Any]:
    """Stage and state, the RFM segment and the model's predictions (empty until a nightly run has them)."""
    journey, p = member.current_journey(), member.prediction
    return [journey.stage.value, journey.state.value if journey.state else None,
            member.rfm.segment if member.rfm else None,
            format(p.predicted_clv_365d, ".2f") if p else None, format(p.p_alive, ".4f") if p else None,
            _time(p.expected_next_order_at) if p else None]


def entry_row(member_id: str, entry: LedgerEntry) -> list[Any]:
    return [member_id, entry.entry_id, entry.kind.value, entry.points, entry.pending_points, _time(entry.occurred_at),
            _time(entry.recorded_at), entry.rule_version, entry.reason, json.dumps(entry.source, sort_keys=True)]


def to_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue()


def safe_cell(value: Any) -> str:
    """The cell as text, defused when a spreadsheet would take it for a formula (OWASP CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)                       # a number column: -5 stays the number -5
    text = _SURROGATE.sub("\ufffd", str(value))
    return "'" + text if _FORMULA.match(text) and not _NUMBER.fullmatch(text) else text


def page_size(limit: str | None) -> int:
    if limit is None or limit == "":
        return DEFAULT_LIMIT
    if not re.fullmatch(r"[0-9]{1,4}", limit) or not 1 <= int(limit) <= MAX_LIMIT:
        raise InvalidRequest(f"limit must be an integer from 1 to {MAX_LIMIT}", code="invalid_query")
    return int(limit)


def _shop(shop: str) -> str:
    if not shop:
        raise NotFound("the program has no shop to export from")
    return shop


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
