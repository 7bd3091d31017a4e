"""Earning rules: how many points an order is worth, reproducibly, under a named rule version."""
from __future__ import annotations

from collections.abc import Mapping
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
    excluded_product_tags: frozenset[str] = frozenset()

    def earnable_amount(self, order: Order, presentment: bool = False,
                        product_tags: Mapping[str, frozenset[str]] | None = None) -> Money:
        """Merchandise after discounts, without tax, shipping, gift cards or excluded products, in shop
        (or presentment) currency."""
        lines = [line for line in order.lines if not self.excludes(line, product_tags or {})]
        total = sum((_earnable(line, presentment, order.taxes_included) for line in lines), Decimal(0))
        return Money(max(total, Decimal(0)), order.presentment_currency if presentment else order.currency)

    def excludes(self, line: OrderLine, product_tags: Mapping[str, frozenset[str]]) -> bool:
        tags = product_tags.get(line.product_id or "", frozenset())
        return bool(self.excluded_product_tags & {t.lower() for t in tags})

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


def award_for(order: Order, rule: EarningRule, multiplier: Decimal = Decimal(1),
              product_tags: Mapping[str, frozenset[str]] | None = None) -> Award:
    """Points an order earns (campaign and tier multipliers applied); test orders earn nothing."""
    base = rule.earnable_amount(order, product_tags=product_tags)
    points = 0 if order.test else rule.points_for(base, multiplier)
    return Award(points=points, base=base,
                 presentment_base=rule.earnable_amount(order, presentment=True, product_tags=product_tags),
                 rule_version=rule.version)


def _earnable(line: OrderLine, presentment: bool, taxes_included: bool) -> Decimal:
    if line.gift_card:
        return Decimal(0)
    amounts: LineAmounts = line.presentment if presentment else line.shop
    amount = amounts.unit_price * line.quantity - amounts.discount
    if taxes_included:
        amount -= amounts.tax
    return amount
