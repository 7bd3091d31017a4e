from datetime import UTC, datetime
from decimal import Decimal

import pytest

from chalicelib.domain import tiers
from chalicelib.domain.program import DEFAULT_RULES, Campaign, ProgramRules, rules_at

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def test_the_rolling_window_is_this_month_and_the_eleven_before():
    assert tiers.months_back(NOW, 12)[0] == "2025-12"
    assert tiers.months_back(NOW, 12)[-1] == "2026-11"
    spend = {"2025-11": Decimal(900), "2025-12": Decimal(100), "2026-11": Decimal(50)}
    assert tiers.rolling_spend(spend, NOW) == 150


def test_an_upgrade_happens_as_soon_as_the_threshold_is_reached_and_never_downward():
    change = tiers.upgrade(DEFAULT_RULES, "member", {"2026-11": Decimal(500)}, NOW)
    assert (change.old, change.new, change.review_at) == ("member", "silver", datetime(2027, 11, 23, 12, tzinfo=UTC))
    assert tiers.upgrade(DEFAULT_RULES, "gold", {"2026-11": Decimal(500)}, NOW) is None
    assert tiers.upgrade(DEFAULT_RULES, "silver", {"2026-11": Decimal(999)}, NOW) is None


def test_the_yearly_review_may_move_down():
    change = tiers.review(DEFAULT_RULES, "gold", {"2025-10": Decimal(5000), "2026-01": Decimal(600)}, NOW)
    assert (change.old, change.new) == ("gold", "silver")


@pytest.mark.parametrize(("start", "months", "expected"), [
    (datetime(2026, 1, 31, tzinfo=UTC), 1, datetime(2026, 2, 28, tzinfo=UTC)),
    (datetime(2027, 1, 31, tzinfo=UTC), 13, datetime(2028, 2, 29, tzinfo=UTC)),
    (datetime(2026, 11, 23, tzinfo=UTC), 12, datetime(2027, 11, 23, tzinfo=UTC)),
])
def test_adding_months_keeps_the_day_or_the_month_end(start, months, expected):
    assert tiers.add_months(start, months) == expected


def test_campaign_and_tier_multipliers_stack_only_while_the_campaign_runs():
    rules = ProgramRules(campaigns=(Campaign("double", NOW, datetime(2026, 12, 1, tzinfo=UTC), Decimal(2)),))
    assert rules.multiplier(NOW, "gold") == Decimal(3)
    assert rules.multiplier(datetime(2026, 12, 1, tzinfo=UTC), "gold") == Decimal("1.5")
    assert rules.multiplier(NOW, "unknown-tier") == Decimal(2)


def test_the_version_in_force_is_the_latest_effective_one():
    v1 = ProgramRules(version="v1", effective_from=datetime(2026, 1, 1, tzinfo=UTC))
    v2 = ProgramRules(version="v2", effective_from=datetime(2026, 6, 1, tzinfo=UTC))
    assert rules_at([v2, v1], datetime(2026, 5, 31, tzinfo=UTC)).version == "v1"
    assert rules_at([v2, v1], NOW).version == "v2"
    assert rules_at([v2, v1], datetime(2025, 1, 1, tzinfo=UTC)) is DEFAULT_RULES
