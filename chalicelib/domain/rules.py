"""Earning rules: how many points an order is worth, reproducibly, under a named rule version."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal

from chalicelib.domain.money import Money
from chalicelib.domain.orders import Order, OrderLine

_ROUNDING = {"down": ROUND_DOWN, "half_up": ROUND_HALF_UP, "up": ROUND_UP}


@dataclass(frozen=True)
class EarningRule:
    version: str
    points_per_unit: Decimal = Decimal(1)
    rounding: str = "down"

    def earnable_amount(self, order: Order) -> Money:
        """Merchandise after discounts, without tax, shipping or gift cards, in shop currency."""
        total = sum((_earnable(line, order.taxes_included) for line in order.lines), Decimal(0))
        return Money(max(total, Decimal(0)), order.currency)

    def points_for(self, amount: Money) -> int:
        raw = amount.amount * self.points_per_unit
        return int(raw.quantize(Decimal(1), rounding=_ROUNDING[self.rounding]))


@dataclass(frozen=True)
class Award:
    points: int
    base: Money
    rule_version: str


DEFAULT_RULE = EarningRule(version="default-1")


def award_for(order: Order, rule: EarningRule) -> Award:
    """Points an order earns; test orders earn nothing."""
    base = rule.earnable_amount(order)
    points = 0 if order.test else rule.points_for(base)
    return Award(points=points, base=base, rule_version=rule.version)


def _earnable(line: OrderLine, taxes_included: bool) -> Decimal:
    if line.gift_card:
        return Decimal(0)
    amount = line.gross - line.discount
    if taxes_included:
        amount -= line.tax
    return amount
