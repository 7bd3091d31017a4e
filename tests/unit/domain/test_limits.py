"""The bounds on what a payload may mean (chalicelib/domain/limits.py): each class of impossible value is refused."""
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from chalicelib.domain import limits
from chalicelib.domain.errors import InvalidPayload


@pytest.mark.parametrize(("value", "expected"), [
    (5928371928374650123, "5928371928374650123"), ("5928371928374650123", "5928371928374650123"),
    (0, "0"), ("9" * 20, "9" * 20), (10**20 - 1, str(10**20 - 1)),
])
def test_ids_are_1_to_20_ascii_digits_kept_as_text(value, expected):
    assert limits.platform_id(value, "id") == expected


@pytest.mark.parametrize("value", [
    "１２３４５",                 # full-width digits: str.isdigit() says True
    "١٢٣٤٥",                      # Arabic-Indic digits: so does it
    "۱۲۳",                        # Extended Arabic-Indic
    "9" * 21, 10**20, 10**30,     # too long to be an id
    -1, "-1", "", " 1", "1.0", 1.5, Decimal("12"), True, None, [1],
])
def test_anything_else_is_not_an_id(value):
    with pytest.raises(InvalidPayload, match="ASCII digits"):
        limits.platform_id(value, "id")


@pytest.mark.parametrize(("value", "expected"), [
    ("60.00", Decimal("60.00")), ("0.000", Decimal("0")), ("1000000000", limits.MAX_AMOUNT), (12, Decimal(12)),
    (Decimal("89.99"), Decimal("89.99")), (Decimal("1E+2"), Decimal(100)), ("1.2345", Decimal("1.2345")),
    ("-0.00", Decimal(0)),
])
def test_amounts_are_plain_non_negative_decimals(value, expected):
    found = limits.amount(value, "price")
    assert found == expected
    assert not found.is_signed()


@pytest.mark.parametrize(("value", "why"), [
    ("99999999999999999999999", "exceeds"),             # huge
    ("1000000000.01", "exceeds"),
    (Decimal("1E+30"), "exceeds"),                      # a JSON number in exponent form, parsed as Decimal
    (10**30, "exceeds"),
    ("-100", "negative"), (Decimal("-0.01"), "negative"), (-1, "negative"),
    ("1e30", "decimal amount"), ("1E2", "decimal amount"),          # exponent notation in a string
    ("１２.５０", "decimal amount"), ("١٢", "decimal amount"),      # non-ASCII digits (Decimal() takes them)
    (" 12", "decimal amount"), ("1_000", "decimal amount"), ("", "decimal amount"), ("NaN", "decimal amount"),
    (Decimal("NaN"), "finite"), (Decimal("Infinity"), "finite"), (Decimal("-Infinity"), "finite"),
    ("12.34567", "decimal places"), (Decimal("0.00001"), "decimal places"),
    (12.5, "decimal amount"), (True, "decimal amount"), (None, "decimal amount"), ({"amount": "1"}, "decimal amount"),
])
def test_impossible_amounts_are_refused_with_the_reason(value, why):
    with pytest.raises(InvalidPayload, match=why) as refused:
        limits.amount(value, "line_items[].price")
    assert refused.value.message.startswith("line_items[].price")
    if isinstance(value, str) and value:
        assert value not in refused.value.message           # the value is never echoed


@pytest.mark.parametrize("value", [0, -1, 10**30, limits.MAX_QUANTITY + 1, 1.0, "2", True, None])
def test_quantities_are_positive_integers_within_the_bound(value):
    with pytest.raises(InvalidPayload):
        limits.quantity(value, "quantity")
    assert limits.quantity(limits.MAX_QUANTITY, "quantity") == limits.MAX_QUANTITY


@pytest.mark.parametrize(("price", "units", "discount", "tax", "included", "why"), [
    (Decimal("20.00"), 1, Decimal("20.01"), Decimal(0), False, "discounts exceed"),
    (Decimal(500_000_000), 3, Decimal(0), Decimal(0), False, "price × quantity exceeds"),
    (Decimal("10.00"), 2, Decimal("5.00"), Decimal("15.01"), True, "tax included"),
])
def test_a_line_is_bounded_and_its_discounts_and_included_tax_fit_in_it(price, units, discount, tax, included, why):
    with pytest.raises(InvalidPayload, match=why):
        limits.check_line(price, units, discount, tax, included, "line_items[]")
    limits.check_line(price, 1, Decimal(0), Decimal(0), False, "line_items[]")
    limits.check_line(Decimal("10.00"), 2, Decimal("5.00"), Decimal("15.01"), False, "line_items[]")   # on top


def test_refunded_tax_never_exceeds_the_refunded_subtotal():
    limits.check_refund(Decimal("54.00"), Decimal("4.32"), "refund")
    with pytest.raises(InvalidPayload):
        limits.check_refund(Decimal("1.00"), Decimal("4.32"), "refund")


@pytest.mark.parametrize("value", ["USD", "EUR", "KWD"])
def test_currencies_are_iso_codes(value):
    assert limits.currency(value, "currency") == value


@pytest.mark.parametrize("value", ["usd", "US", "USDT", "ＵＳＤ", "", None, 840])
def test_anything_else_is_not_a_currency(value):
    with pytest.raises(InvalidPayload):
        limits.currency(value, "currency")


@pytest.mark.parametrize("value", [
    datetime(1989, 12, 31, 23, 59, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC),
    datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))),           # astimezone(UTC) would overflow later
    datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-1))),
    datetime(2026, 11, 20, 10, 15),                                   # no offset
])
def test_event_times_carry_an_offset_and_lie_in_the_window(value):
    with pytest.raises(InvalidPayload):
        limits.moment(value, "processed_at")


def test_a_time_in_the_window_passes():
    at = datetime(2026, 11, 20, 10, 15, tzinfo=timezone(timedelta(hours=-5)))
    assert limits.moment(at, "processed_at") is at
    imported = datetime(1997, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=-5)))      # history, e.g. CDNOW's
    assert limits.moment(imported, "processed_at") is imported


@pytest.mark.parametrize("value", [0, -1, 10**30, 631_151_999_999, 7_258_118_400_000, 1.5e12, "1795424400000", True])
def test_epoch_milliseconds_lie_in_the_same_window(value):
    with pytest.raises(InvalidPayload):
        limits.epoch_millis(value, "occurredAt")
    assert limits.epoch_millis(1_795_424_400_000, "occurredAt") == 1_795_424_400_000
