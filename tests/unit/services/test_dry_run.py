"""A dry run compares what proposed rules would have awarded with what was awarded, and writes nothing."""
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from chalicelib.domain.accounting import AwardRecord, OrderAccount
from chalicelib.domain.errors import InvalidRequest, NotFound
from chalicelib.domain.ledger import Member
from chalicelib.domain.money import Money
from chalicelib.domain.program import DEFAULT_RULES
from chalicelib.domain.rules_codec import rules_to_json
from chalicelib.services import dry_run as service
from chalicelib.services.dry_run import NOTES
from chalicelib.web.rules_input import read_dry_run

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
SHOP = "demo-shop.myshopify.com"


def account(order_id, base, paid_at, points=None, member_id="m_1"):
    award = AwardRecord(points if points is not None else int(Decimal(base)), Money(Decimal(base), "USD"),
                        Money(Decimal(base), "EUR"), "default-1", False, paid_at, None)
    return OrderAccount(shop=SHOP, order_id=order_id, member_id=member_id, award=award)


def member(member_id, tier):
    return Member(member_id=member_id, program_id="demo", email=None, first_name=None, points_balance=0,
                  pending_points=0, lifetime_points=0, tier=tier, identities=(), created_at=NOW, updated_at=NOW)


class History:
    def __init__(self, accounts, members=(), next_cursor=None):
        self.accounts, self.members, self.next_cursor = accounts, {m.member_id: m for m in members}, next_cursor
        self.asked = []

    def order_accounts(self, program_id, shop, cursor, reads):
        self.asked.append((program_id, shop, cursor, reads))
        return self.accounts, self.next_cursor

    def profiles(self, program_id, member_ids):
        return {m: self.members[m] for m in member_ids if m in self.members}


def body(**rules_changes):
    return {"rules": {**rules_to_json(DEFAULT_RULES), **rules_changes},
            "from": "2026-11-01T00:00:00Z", "to": "2026-11-23T00:00:00Z"}


def dry_run(body, program_id, shop, history, now):
    """The request read as the API reads it, then the dry run."""
    return service.dry_run(read_dry_run(body, now), program_id, shop, history)


def test_proposed_points_are_computed_from_the_stored_base_beside_the_actual_award():
    paid = datetime(2026, 11, 20, 15, tzinfo=UTC)
    history = History([account("1", "150.74", paid), account("2", "20.00", paid, member_id="m_2")])
    report = dry_run(body(points_per_unit="2"), "demo", SHOP, history, NOW)
    assert (report.orders, report.actual_points, report.proposed_points, report.difference) == (2, 170, 341, 171)
    assert report.next_cursor is None
    assert report.by_tier == {"member": {"orders": 2, "actual_points": 170, "proposed_points": 341}}
    assert [s.order_id for s in report.sample] == ["1", "2"]     # the biggest difference first
    assert report.notes == NOTES


def test_only_orders_paid_in_the_range_count_and_the_end_is_exclusive():
    history = History([account("early", "10", datetime(2026, 10, 31, 23, tzinfo=UTC)),
                       account("in", "10", datetime(2026, 11, 1, tzinfo=UTC)),
                       account("end", "10", datetime(2026, 11, 23, tzinfo=UTC)),
                       OrderAccount(shop=SHOP, order_id="unpaid")])
    report = dry_run(body(), "demo", SHOP, history, NOW)
    assert [s.order_id for s in report.sample] == ["in"]


def test_the_members_current_tier_and_the_campaigns_active_at_payment_multiply_under_the_proposal():
    paid = datetime(2026, 11, 20, tzinfo=UTC)
    campaign = {"name": "double", "starts_at": "2026-11-19T00:00:00Z", "ends_at": "2026-11-21T00:00:00Z",
                "multiplier": "2"}
    tiers = [{"name": "member", "threshold": "0", "multiplier": "1"},
             {"name": "gold", "threshold": "1000", "multiplier": "3"}]
    history = History([account("1", "100", paid, member_id="m_gold"), account("2", "100", paid, member_id="m_x")],
                      [member("m_gold", "gold"), member("m_x", "platinum")])
    report = dry_run(body(campaigns=[campaign], tiers=tiers), "demo", SHOP, history, NOW)
    assert {s.order_id: (s.tier, s.proposed_points) for s in report.sample} == {"1": ("gold", 600),
                                                                                 "2": ("member", 200)}


def test_the_page_reads_a_bounded_number_of_index_items_and_passes_the_cursor_on():
    history = History([], next_cursor="abc")
    report = dry_run({**body(), "cursor": "prev"}, "demo", SHOP, history, NOW)
    assert history.asked == [("demo", SHOP, "prev", 2000)]
    assert (report.orders, report.next_cursor) == (0, "abc")


def test_the_sample_holds_at_most_fifty_orders():
    paid = datetime(2026, 11, 20, tzinfo=UTC)
    report = dry_run(body(points_per_unit="2"), "demo", SHOP,
                     History([account(str(i), "10", paid) for i in range(60)]), NOW)
    assert (report.orders, len(report.sample)) == (60, 50)


@pytest.mark.parametrize("change", [
    {"from": "2026-11-01"}, {"to": "yesterday"}, {"to": "2026-10-01T00:00:00Z"},
    {"from": "2025-01-01T00:00:00Z", "to": "2026-01-03T00:00:00Z"}, {"extra": 1}, {"cursor": 5},
    {"rules": None}, {"rules": {**rules_to_json(DEFAULT_RULES), "bogus": 1}},
])
def test_bad_requests_are_refused(change):
    history = History([])
    with pytest.raises(InvalidRequest):
        dry_run({**body(), **change}, "demo", SHOP, history, NOW)
    assert history.asked == []


def test_a_program_without_a_shop_has_nothing_to_compare():
    with pytest.raises(NotFound):
        dry_run(body(), "demo", "", History([]), NOW)


def test_an_order_whose_member_is_gone_uses_the_lowest_tier():
    paid = datetime(2026, 11, 20, tzinfo=UTC)
    report = dry_run(body(), "demo", SHOP, History([replace(account("1", "10", paid), member_id=None)]), NOW)
    assert report.sample[0].tier == "member"


def test_a_range_of_exactly_366_days_is_accepted():
    start = datetime(2025, 11, 23, tzinfo=UTC)
    request = {**body(), "from": start.isoformat(), "to": (start + timedelta(days=366)).isoformat()}
    assert dry_run(request, "demo", SHOP, History([]), NOW).orders == 0
