"""Offers read from JSON field by field (each problem named by its path), written back as they were read, and the
boost a multiplier leaves on the member."""
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from chalicelib.domain.offers import (
    BonusPoints,
    Boost,
    PointsMultiplier,
    RewardOffer,
    ShopifyTag,
    offer_json,
    parse_offer,
)

AT = "steps[3].offer"
ONE_OF = f"{AT}: an object with exactly one of bonus_points, multiplier (with days), reward_id or shopify_tag"


@pytest.mark.parametrize(("raw", "offer"), [
    ({"bonus_points": 500}, BonusPoints(500)),
    ({"bonus_points": 1}, BonusPoints(1)),
    ({"bonus_points": 100_000}, BonusPoints(100_000)),
    ({"multiplier": "2", "days": 14}, PointsMultiplier(Decimal(2), 14)),
    ({"multiplier": "1.1", "days": 1}, PointsMultiplier(Decimal("1.1"), 1)),
    ({"multiplier": "10.00", "days": 90}, PointsMultiplier(Decimal(10), 90)),
    ({"reward_id": "rw_0123456789abcdef"}, RewardOffer("rw_0123456789abcdef")),
    ({"shopify_tag": "vip-early_access 2026"}, ShopifyTag("vip-early_access 2026")),
    ({"shopify_tag": "  Frühzugang  "}, ShopifyTag("Frühzugang")),
    ({"shopify_tag": "x" * 40}, ShopifyTag("x" * 40)),
])
def test_each_kind_of_offer_is_read_and_written_back(raw, offer):
    assert parse_offer(raw, AT) == (offer, [])
    assert parse_offer(offer_json(offer), AT) == (offer, [])


def test_the_json_written_is_the_json_read():
    assert offer_json(PointsMultiplier(Decimal("1.50"), 7)) == {"multiplier": "1.50", "days": 7}
    assert offer_json(BonusPoints(250)) == {"bonus_points": 250}
    assert offer_json(RewardOffer("rw_0123456789abcdef")) == {"reward_id": "rw_0123456789abcdef"}
    assert offer_json(ShopifyTag("vip")) == {"shopify_tag": "vip"}


@pytest.mark.parametrize(("raw", "problems"), [
    ({"bonus_points": 0}, [f"{AT}.bonus_points: an integer from 1 to 100,000"]),
    ({"bonus_points": 100_001}, [f"{AT}.bonus_points: an integer from 1 to 100,000"]),
    ({"bonus_points": "500"}, [f"{AT}.bonus_points: an integer from 1 to 100,000"]),
    ({"bonus_points": 2.5}, [f"{AT}.bonus_points: an integer from 1 to 100,000"]),
    ({"bonus_points": True}, [f"{AT}.bonus_points: an integer from 1 to 100,000"]),
    ({"bonus_points": None}, [f"{AT}.bonus_points: an integer from 1 to 100,000"]),
    ({"multiplier": "1.05", "days": 3}, [f"{AT}.multiplier: a decimal string from 1.1 to 10 with at most 2 decimal "
                                         "places"]),
    ({"multiplier": "1.0", "days": 3}, [f"{AT}.multiplier: a decimal string from 1.1 to 10 with at most 2 decimal "
                                        "places"]),
    ({"multiplier": "10.01", "days": 3}, [f"{AT}.multiplier: a decimal string from 1.1 to 10 with at most 2 "
                                          "decimal places"]),
    ({"multiplier": "1.255", "days": 3}, [f"{AT}.multiplier: a decimal string from 1.1 to 10 with at most 2 "
                                          "decimal places"]),
    ({"multiplier": 2, "days": 3}, [f"{AT}.multiplier: a decimal string from 1.1 to 10 with at most 2 decimal "
                                    "places"]),
    ({"multiplier": "2e0", "days": 3}, [f"{AT}.multiplier: a decimal string from 1.1 to 10 with at most 2 decimal "
                                        "places"]),
    ({"multiplier": "2", "days": 0}, [f"{AT}.days: an integer from 1 to 90"]),
    ({"multiplier": "2", "days": 91}, [f"{AT}.days: an integer from 1 to 90"]),
    ({"multiplier": "2"}, [f"{AT}.days: an integer from 1 to 90"]),
    ({"multiplier": "0", "days": "7"}, [
        f"{AT}.multiplier: a decimal string from 1.1 to 10 with at most 2 decimal places",
        f"{AT}.days: an integer from 1 to 90"]),
    ({"reward_id": "rw_123"}, [f"{AT}.reward_id: the id of a reward in the catalog (rw_ and 16 hexadecimal digits)"]),
    ({"reward_id": 12}, [f"{AT}.reward_id: the id of a reward in the catalog (rw_ and 16 hexadecimal digits)"]),
    ({"shopify_tag": ""}, [f"{AT}.shopify_tag: a tag of 1 to 40 characters: letters, digits, '-', '_' and spaces"]),
    ({"shopify_tag": "   "}, [f"{AT}.shopify_tag: a tag of 1 to 40 characters: letters, digits, '-', '_' and "
                              "spaces"]),
    ({"shopify_tag": "x" * 41}, [f"{AT}.shopify_tag: a tag of 1 to 40 characters: letters, digits, '-', '_' and "
                                 "spaces"]),
    ({"shopify_tag": "vip, gold"}, [f"{AT}.shopify_tag: a tag of 1 to 40 characters: letters, digits, '-', '_' "
                                    "and spaces"]),   # a comma would make two tags in Shopify
    ({"shopify_tag": "vip\n"}, [f"{AT}.shopify_tag: a tag of 1 to 40 characters: letters, digits, '-', '_' and "
                                "spaces"]),
])
def test_a_bad_field_is_named_by_its_path_with_what_it_takes(raw, problems):
    assert parse_offer(raw, AT) == (None, problems)


@pytest.mark.parametrize(("raw", "problems"), [
    ("500 points", [ONE_OF]),
    ([{"bonus_points": 5}], [ONE_OF]),
    (None, [ONE_OF]),
    ({}, [ONE_OF]),
    ({"days": 7}, [ONE_OF]),
    ({"bonus_points": 5, "reward_id": "rw_0123456789abcdef"}, [f"{ONE_OF} (found bonus_points, reward_id)"]),
    ({"bonus_points": 5, "days": 7}, [f"{AT}.days: unknown field"]),
    ({"shopify_tag": "vip", "note": "x", "bonus": 1}, [f"{AT}.note: unknown field", f"{AT}.bonus: unknown field"]),
    ({"bonus_points": 0, "extra": 1}, [f"{AT}.extra: unknown field",
                                       f"{AT}.bonus_points: an integer from 1 to 100,000"]),
])
def test_an_offer_is_exactly_one_kind_with_only_its_own_fields(raw, problems):
    assert parse_offer(raw, AT) == (None, problems)


def test_a_boost_multiplies_inside_its_window_only():
    start = datetime(2026, 11, 23, 12, tzinfo=UTC)
    boost = Boost(Decimal(2), start, start + timedelta(days=14))
    assert boost.factor_at(start - timedelta(seconds=1)) == 1
    assert boost.factor_at(start) == 2
    assert boost.factor_at(start + timedelta(days=14) - timedelta(seconds=1)) == 2
    assert boost.factor_at(start + timedelta(days=14)) == 1
