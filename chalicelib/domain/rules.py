"""Earning rules: how many points an order is worth, reproducibly, under a named rule version."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal

from chalicelib.domain.money import Money
from chalicelib.domain.orders import LineAmounts, Order, OrderLine

_ROUNDING = {"down": ROUND_DOWN, "half_up": ROUND_HALF_UP, "up": ROUND_UP}


@dataclass(frozen=True)
class EarningRule:
    version: str
    points_per_unit: Decimal = Decimal(1)
    rounding: str = "down"

    def earnable_amount(self, order: Order, presentment: bool = False) -> Money:
        """Merchandise after discounts, without tax, shipping or gift cards, in shop (or presentment) currency."""
        total = sum((_earnable(line, presentment, order.taxes_included) for line in order.lines), Decimal(0))
        return Money(max(total, Decimal(0)), order.presentment_currency if presentment else order.currency)

    def points_for(self, amount: Money, multiplier: Decimal = Decimal(1)) -> int:
        raw = amount.amount * self.points_per_unit * multiplier
        return int(raw.quantize(Decimal(1), rounding=_ROUNDING[self.rounding]))


@dataclass(frozen=True)
class Award:
    points: int
    base: Money
    presentment_base: Money
    rule_version: str


DEFAULT_RULE = EarningRule(version="default-1")


def award_for(order: Order, rule: EarningRule, multiplier: Decimal = Decimal(1)) -> Award:
    """Points an order earns (campaign and tier multipliers applied); test orders earn nothing."""
    base = rule.earnable_amount(order)
    points = 0 if order.test else rule.points_for(base, multiplier)
    return Award(points=points, base=base, presentment_base=rule.earnable_amount(order, presentment=True),
                 rule_version=rule.version)


def _earnable(line: OrderLine, presentment: bool, taxes_included: bool) -> Decimal:
    if line.gift_card:
        return Decimal(0)
    amounts: LineAmounts = line.presentment if presentment else line.shop
    amount = amounts.unit_price * line.quantity - amounts.discount
    if taxes_included:
        amount -= amounts.tax
    return amount
