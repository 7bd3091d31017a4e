"""What a platform payload may mean: the bounds on ids, amounts, quantities and times, in one place.

A value outside them can never be a real order, refund or event, so the payload is refused (InvalidPayload) where
it is parsed, before it could be applied as money; the worker records the refusal and does not retry it. Messages
name the field and the bound, never the value (it may be long, or personal).
"""
from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

from chalicelib.domain.errors import InvalidPayload

MAX_ID_DIGITS = 20                        # Shopify and HubSpot ids: 1 to 20 ASCII digits (they exceed 2^53)
MAX_AMOUNT = Decimal(1_000_000_000)       # any amount, and any line's price × quantity, in its own currency
MAX_DECIMAL_PLACES = 4                    # Shopify sends 2 (3 for KWD, BHD, …); more is not money
MAX_QUANTITY = 1_000_000                  # units on one line
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)   # event times outside [EARLIEST, LATEST) are not real (history imports
#                                               and the CDNOW sample of 1997 are)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)

_ID = re.compile(rf"[0-9]{{1,{MAX_ID_DIGITS}}}")
_DECIMAL = re.compile(r"[+-]?[0-9]{1,40}(?:\.[0-9]{1,40})?")     # plain notation, ASCII digits only
_CURRENCY = re.compile(r"[A-Z]{3}")
_PLACES = Decimal(1).scaleb(-MAX_DECIMAL_PLACES)


def is_platform_id(value: str) -> bool:
    """1 to MAX_ID_DIGITS ASCII digits (str.isdigit() would also take ４２ and ٤٢)."""
    return _ID.fullmatch(value) is not None


def platform_id(value: object, field: str) -> str:
    """An id as text: a JSON integer or a string of ASCII digits (never a float, a bool or other digits)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10 ** MAX_ID_DIGITS:
        return str(value)
    if isinstance(value, str) and is_platform_id(value):
        return value
    raise InvalidPayload(f"{field} must be an id of 1 to {MAX_ID_DIGITS} ASCII digits")


def amount(value: object, field: str) -> Decimal:
    """A non-negative money amount of at most MAX_AMOUNT with at most MAX_DECIMAL_PLACES places.

    JSON numbers arrive as Decimal (or int); strings must be plain decimals in ASCII digits.
    """
    plain = isinstance(value, str) and _DECIMAL.fullmatch(value) is not None
    if plain or (isinstance(value, int) and not isinstance(value, bool)):
        value = Decimal(value)  # type: ignore[arg-type]
    if not isinstance(value, Decimal):
        raise InvalidPayload(f"{field} must be a decimal amount")
    if not value.is_finite():
        raise InvalidPayload(f"{field} must be a finite amount")
    if value < 0:
        raise InvalidPayload(f"{field} must not be negative")
    if value > MAX_AMOUNT:
        raise InvalidPayload(f"{field} exceeds {MAX_AMOUNT}")
    if value != value.quantize(_PLACES):
        raise InvalidPayload(f"{field} has more than {MAX_DECIMAL_PLACES} decimal places")
    return abs(value)       # "-0.00" is zero


def quantity(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_QUANTITY:
        raise InvalidPayload(f"{field} must be an integer from 1 to {MAX_QUANTITY}")
    return value


def check_line(unit_price: Decimal, units: int, discount: Decimal, tax: Decimal, taxes_included: bool,
               field: str) -> None:
    """A line is worth at most MAX_AMOUNT, its discounts never more than the line, and tax included in its price
    never more than what is left after them."""
    total = unit_price * units
    if total > MAX_AMOUNT:
        raise InvalidPayload(f"{field}: price × quantity exceeds {MAX_AMOUNT}")
    if discount > total:
        raise InvalidPayload(f"{field}: discounts exceed the line's price × quantity")
    if taxes_included and tax > total - discount:
        raise InvalidPayload(f"{field}: tax included in the price exceeds the discounted line")


def check_refund(subtotal: Decimal, tax: Decimal, field: str) -> None:
    """The tax refunded on merchandise is part of (prices with tax) or a fraction of (without) its subtotal."""
    if tax > subtotal:
        raise InvalidPayload(f"{field}: refunded tax exceeds the refunded subtotal")


def currency(value: object, field: str) -> str:
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value):
        raise InvalidPayload(f"{field} must be an ISO 4217 currency code")
    return value


def moment(value: datetime, field: str) -> datetime:
    """An event time: with an offset, and between EARLIEST and LATEST."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidPayload(f"{field} must carry an offset")
    if not EARLIEST <= value < LATEST:
        raise InvalidPayload(f"{field} must lie between {EARLIEST.year} and {LATEST.year}")
    return value


def epoch_millis(value: object, field: str) -> int:
    """A time as epoch milliseconds (HubSpot), within the same bounds."""
    lowest, highest = int(EARLIEST.timestamp() * 1000), int(LATEST.timestamp() * 1000)
    if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value < highest:
        raise InvalidPayload(f"{field} must be epoch milliseconds between {EARLIEST.year} and {LATEST.year}")
    return value
