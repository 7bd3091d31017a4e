"""Money as exact decimals with their ISO currency code."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from chalicelib.domain.errors import InvalidPayload


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return self + Money(-other.amount, other.currency)

    def to_wire(self) -> dict[str, str]:
        return {"amount": format(self.amount, "f"), "currency": self.currency}


def parse_decimal(value: object, field: str) -> Decimal:
    """Money arrives as decimal strings; a float would already have lost precision, so refuse it."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidPayload(f"{field} must be a decimal string")
    try:
        result = Decimal(value)
    except InvalidOperation as e:
        raise InvalidPayload(f"{field} is not a decimal: {value!r}") from e
    if not result.is_finite():
        raise InvalidPayload(f"{field} is not a finite decimal")
    return result
