from datetime import UTC, datetime
from decimal import Decimal

from chalicelib.domain.ledger import Member
from chalicelib.domain.program import INACTIVITY, LOTS, Expiry, ProgramRules
from chalicelib.domain.standing import standing

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def member(tier: str = "member", balance: int = 300, spend: dict[str, Decimal] | None = None,
           **extra: object) -> Member:
    return Member(member_id="m_1", program_id="demo", email=None, first_name=None, points_balance=balance,
                  pending_points=0, lifetime_points=balance, tier=tier, identities=(), created_at=NOW,
                  updated_at=NOW, spend=spend or {}, **extra)  # type: ignore[arg-type]


def test_progress_to_the_next_tier_counts_the_rolling_twelve_months_only() -> None:
    spend = {"2026-10": Decimal("120.00"), "2025-10": Decimal("900")}   # the second is outside the window
    s = standing(member(spend=spend), ProgramRules(), NOW)
    assert (s.next_tier, s.spend_to_next_tier, s.spend_to_keep_tier) == ("silver", Decimal("380.00"), None)


def test_amount_to_keep_a_tier_and_nothing_above_the_top() -> None:
    s = standing(member(tier="gold", spend={"2026-11": Decimal("700")}), ProgramRules(), NOW)
    assert (s.next_tier, s.spend_to_next_tier, s.spend_to_keep_tier) == (None, None, Decimal("300"))
    kept = standing(member(tier="silver", spend={"2026-11": Decimal("600")}), ProgramRules(), NOW)
    assert (kept.spend_to_keep_tier, kept.spend_to_next_tier) == (Decimal(0), Decimal(400))


def test_inactivity_expiry_is_the_whole_balance_a_period_after_the_last_activity() -> None:
    rules = ProgramRules(expiry=Expiry(policy=INACTIVITY, months=12))
    s = standing(member(last_activity_at=datetime(2026, 3, 31, tzinfo=UTC)), rules, NOW)
    assert (s.next_expiry_at, s.next_expiry_points) == (datetime(2027, 3, 31, tzinfo=UTC), 300)
    assert standing(member(balance=0, last_activity_at=NOW), rules, NOW).next_expiry_at is None


def test_lots_expire_soonest_first_and_never_more_than_the_balance() -> None:
    rules = ProgramRules(expiry=Expiry(policy=LOTS))
    lots = [(datetime(2027, 5, 1, tzinfo=UTC), 200), (datetime(2027, 1, 1, tzinfo=UTC), 500),
            (datetime(2026, 1, 1, tzinfo=UTC), 50)]
    s = standing(member(balance=300), rules, NOW, lots)
    assert (s.next_expiry_at, s.next_expiry_points) == (datetime(2027, 1, 1, tzinfo=UTC), 300)
    assert standing(member(), ProgramRules(), NOW, lots).next_expiry_at is None   # no expiry policy
