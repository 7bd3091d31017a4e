"""CSV exports: a header on every page, erased members without personal data, formulas defused."""
import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from chalicelib.domain.errors import InvalidRequest, NotFound
from chalicelib.domain.journey import Journey, Prediction, Rfm, Stage, State
from chalicelib.domain.ledger import EntryKind, LedgerEntry, Member
from chalicelib.services.exports import LEDGER_COLUMNS, MEMBER_COLUMNS, ledger_csv, members_csv, safe_cell

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
SHOP = "demo-shop.myshopify.com"


def member(member_id, **changes):
    fields = dict(member_id=member_id, program_id="demo", email=f"{member_id}@example.com", first_name="Ada",
                  points_balance=-20, pending_points=0, lifetime_points=150, tier="member", identities=(),
                  created_at=NOW, updated_at=NOW)
    return Member(**{**fields, **changes})


class Source:
    def __init__(self, members=(), entries=(), next_cursor=None):
        self.members, self.entries, self.next_cursor = list(members), list(entries), next_cursor
        self.asked = []

    def member_page(self, program_id, shop, cursor, limit):
        self.asked.append((program_id, shop, cursor, limit))
        return self.members[:limit], self.next_cursor

    def ledger_page(self, program_id, shop, cursor, limit):
        self.asked.append((program_id, shop, cursor, limit))
        return self.entries[:limit], self.next_cursor


def rows(body):
    return list(csv.reader(io.StringIO(body)))


def test_a_members_page_has_the_header_row_and_one_row_per_member():
    page = members_csv(Source([member("m_1"), member("m_2")], next_cursor="c2"), "demo", SHOP, None, "2")
    header, first, second = rows(page.body)
    assert tuple(header) == MEMBER_COLUMNS
    assert first[:7] == ["m_1", "m_1@example.com", "Ada", "-20", "0", "150", "member"]
    assert second[0] == "m_2"
    assert (page.next_cursor, page.limit) == ("c2", 2)


def test_erased_members_are_exported_without_personal_fields():
    page = members_csv(Source([member("m_1", erased_at=NOW)]), "demo", SHOP, None, None)
    [_, row] = rows(page.body)
    assert (row[1], row[2], row[MEMBER_COLUMNS.index("erased_at")]) == ("", "", NOW.isoformat())


def test_a_members_journey_closes_the_row_empty_where_nothing_is_known_yet():
    scored = member("m_1", journey=Journey(Stage.REPEAT, NOW, State.AT_RISK, NOW),
                    rfm=Rfm(2, 4, 4, "at_risk", "loyal_customers"),
                    prediction=Prediction(0.41234567, 1.5, Decimal("120.456"), datetime(2027, 2, 1, tzinfo=UTC)))
    page = members_csv(Source([scored, member("m_2")]), "demo", SHOP, None, None)
    header, first, second = rows(page.body)
    journey = header.index("journey_stage")
    assert header[journey:] == ["journey_stage", "journey_state", "rfm_segment", "predicted_clv_365d", "p_alive",
                                "expected_next_order_at"]
    assert first[journey:] == ["repeat", "at_risk", "at_risk", "120.46", "0.4123", "2027-02-01T00:00:00+00:00"]
    assert second[journey:] == ["prospect", "", "", "", "", ""]      # no order yet: a prospect, nothing predicted


def test_ledger_rows_carry_the_member_and_the_source_as_json():
    entry = LedgerEntry(entry_id="e_1", business_key="k", kind=EntryKind.REVERSE, points=-30, occurred_at=NOW,
                        recorded_at=NOW, source={"order_id": "42", "shop": SHOP}, rule_version="v1",
                        reason="=cmd|' /C calc'!A0")
    page = ledger_csv(Source(entries=[("m_1", entry)]), "demo", SHOP, "cur", "10")
    header, row = rows(page.body)
    assert tuple(header) == LEDGER_COLUMNS
    assert row[:5] == ["m_1", "e_1", "reverse", "-30", "0"]
    assert row[8] == "'=cmd|' /C calc'!A0"
    assert row[9] == '{"order_id": "42", "shop": "demo-shop.myshopify.com"}'


@pytest.mark.parametrize(("value", "cell"), [
    ("=1+1", "'=1+1"), ("+SUM(A1)", "'+SUM(A1)"), ("-2+3", "'-2+3"), ("@cmd", "'@cmd"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), (-150, "-150"), ("-12.5", "-12.5"), ("Ada", "Ada"), (None, ""), (0, "0"),
])
def test_formula_cells_are_defused_but_numbers_stay_numbers(value, cell):
    assert safe_cell(value) == cell


@pytest.mark.parametrize("limit", ["0", "1001", "-1", "abc", "²", "9" * 5000, "1.5"])
def test_a_bad_limit_is_refused_before_anything_is_read(limit):
    source = Source()
    with pytest.raises(InvalidRequest) as refused:
        members_csv(source, "demo", SHOP, None, limit)
    assert refused.value.code == "invalid_query"
    assert source.asked == []


def test_the_default_page_is_500_rows():
    source = Source()
    members_csv(source, "demo", SHOP, None, None)
    assert source.asked == [("demo", SHOP, None, 500)]


def test_a_program_without_a_shop_has_nothing_to_export():
    with pytest.raises(NotFound):
        ledger_csv(Source(), "demo", "", None, None)
