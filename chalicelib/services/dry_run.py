"""What proposed rules would have awarded on past orders, beside what was awarded: nothing is written.

Approximations, stated in every report's `notes`:
- each order's stored earning base is reused, and it already leaves out the products excluded when the order
  was paid, so a change to `excluded_product_tags` is not reflected;
- the tier multiplier is that of the member's tier now (its namesake under the proposed rules, else the lowest
  tier), not the tier held when the order was paid; an offer's boost is the member's current one, applied to orders
  paid in its window (a boost replaced since is not seen);
- only orders that earned points have a recorded award and base: orders that earned nothing are left out;
- refunds and cancellations are left aside on both sides: the figures compare awards at payment.
Orders come a page at a time (a bounded number of index reads); `next` continues, and pages add up.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple, Protocol

from chalicelib.domain.accounting import OrderAccount
from chalicelib.domain.errors import NotFound
from chalicelib.domain.ledger import Member
from chalicelib.domain.program import ProgramRules

MAX_RANGE = timedelta(days=366)
READS_PER_PAGE = 2000
SAMPLE_SIZE = 50
NOTES = (
    "proposed points reuse each order's stored earning base, which already leaves out the products excluded "
    "when it was paid: changes to excluded_product_tags are not reflected",
    "the tier multiplier is that of the member's current tier under the proposed rules, not the tier held when "
    "the order was paid; an offer's points boost is the member's current one",
    "orders that earned nothing have no recorded award and are left out; refunds and cancellations are left "
    "aside on both sides",
    "figures cover this page of orders: follow next with the same body and add the pages up",
)


class OrderHistory(Protocol):
    def order_accounts(self, program_id: str, shop: str, cursor: str | None,
                       reads: int) -> tuple[list[OrderAccount], str | None]:
        """The order accounts filed under the shop, at most `reads` index items, and a cursor to continue."""
        ...

    def profiles(self, program_id: str, member_ids: Sequence[str]) -> dict[str, Member]: ...


@dataclass(frozen=True)
class OrderComparison:
    order_id: str
    paid_at: datetime
    base_amount: str
    tier: str
    actual_points: int
    proposed_points: int


@dataclass
class DryRunReport:
    orders: int = 0
    actual_points: int = 0
    proposed_points: int = 0
    next_cursor: str | None = None
    by_tier: dict[str, dict[str, int]] = field(default_factory=dict)
    sample: list[OrderComparison] = field(default_factory=list)
    notes: tuple[str, ...] = NOTES

    @property
    def difference(self) -> int:
        return self.proposed_points - self.actual_points

    def add(self, row: OrderComparison) -> None:
        self.orders += 1
        self.actual_points += row.actual_points
        self.proposed_points += row.proposed_points
        tier = self.by_tier.setdefault(row.tier, {"orders": 0, "actual_points": 0, "proposed_points": 0})
        tier["orders"] += 1
        tier["actual_points"] += row.actual_points
        tier["proposed_points"] += row.proposed_points


def range_problems(start: datetime | None, end: datetime | None) -> list[str]:
    """What a range breaks: `to` after `from`, at most MAX_RANGE later (None: a time that is wrong on its own)."""
    if start is None or end is None or timedelta(0) < end - start <= MAX_RANGE:
        return []
    return [f"to: must be after from, at most {MAX_RANGE.days} days later"]


class Proposal(NamedTuple):
    """Proposed rules and the payment times to compare them on, from `start` up to `end`; `cursor` continues."""

    rules: ProgramRules
    start: datetime
    end: datetime
    cursor: str | None = None


def dry_run(proposal: Proposal, program_id: str, shop: str, history: OrderHistory) -> DryRunReport:
    proposed, start, end = proposal.rules, proposal.start, proposal.end
    if not shop:
        raise NotFound("the program has no shop whose orders could be compared")
    accounts, next_cursor = history.order_accounts(program_id, shop, proposal.cursor, READS_PER_PAGE)
    paid = [a for a in accounts if a.award is not None and start <= a.award.paid_at < end]
    members = history.profiles(program_id, sorted({a.member_id for a in paid if a.member_id}))
    report = DryRunReport(next_cursor=next_cursor)
    rows = [compare(a, proposed, members.get(a.member_id or "")) for a in paid]
    for row in rows:
        report.add(row)
    report.sample = sorted(rows, key=lambda r: (-abs(r.proposed_points - r.actual_points), r.paid_at))[:SAMPLE_SIZE]
    return report


def compare(account: OrderAccount, proposed: ProgramRules, member: Member | None) -> OrderComparison:
    award = account.award
    if award is None:
        raise ValueError("only orders with an award can be compared")
    tier = proposed.tier_named(member.tier if member else proposed.tiers[0].name).name
    boost = member.boost_at(award.paid_at) if member else 1        # an offer's boost, as the actual award had it
    points = proposed.earning.points_for(award.base, proposed.multiplier(award.paid_at, tier) * boost)
    return OrderComparison(order_id=account.order_id, paid_at=award.paid_at, base_amount=format(award.base.amount, "f"),
                           tier=tier, actual_points=award.points, proposed_points=points)
