"""Granting offers with fakes: each kind's effect and cost, once per key however often the caller asks."""
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from chalicelib.domain.errors import ConnectorUnavailable
from chalicelib.domain.ledger import EntryKind, Identity, member_id_for
from chalicelib.domain.merges import plan_merge
from chalicelib.domain.offers import BonusPoints, Boost, PointsMultiplier, RewardOffer, ShopifyTag
from chalicelib.domain.program import INACTIVITY, Expiry, ProgramRules
from chalicelib.domain.redemptions import NOT_REGISTERED, PENDING
from chalicelib.domain.rewards import Reward
from chalicelib.services.offers import Granted, OfferDeps, grant, granter
from tests.fakes import InMemoryLedger, StaticRules
from tests.offer_fakes import FakeCustomerTags, FakeRewards, InMemoryBoosts, InMemoryRedemptions

PROGRAM = "demo"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SHOPIFY = Identity("shopify", "demo-shop.myshopify.com:7001")
CONTACT = Identity("hubspot", "4711:contact:901")
KEY = "campaign:c1:m:2026-11-20:step-2"
TEN_OFF = Reward("rw_00000000000000aa", "$10 off", "fixed_amount", Decimal(10), 1000, NOW, validity_days=30)
FIFTEEN_PERCENT = Reward("rw_00000000000000bb", "15% off", "percentage", Decimal(15), 300, NOW)
RETIRED = Reward("rw_00000000000000cc", "Old", "free_shipping", None, 200, NOW, active=False)


class World:
    def __init__(self, rules=None, connected=True):
        self.ledger = InMemoryLedger()
        self.redemptions = InMemoryRedemptions(self.ledger)
        self.tags = FakeCustomerTags()
        catalog = FakeRewards([TEN_OFF, FIFTEEN_PERCENT, RETIRED])
        self.deps = OfferDeps(self.ledger, InMemoryBoosts(self.ledger), catalog, self.redemptions,
                              StaticRules(*(rules or [])), (lambda _: self.tags) if connected else (lambda _: None))

    def member(self, identity=SHOPIFY):
        self.ledger.set_contact(PROGRAM, identity, "ada@example.com", "Ada", NOW - timedelta(days=30))
        return self.ledger.get_member(PROGRAM, member_id_for(PROGRAM, identity))

    def grant(self, member, offer, key=KEY, now=NOW):
        return grant(PROGRAM, member, offer, key, now, self.deps)

    def entries(self, member):
        return self.ledger.ledger(PROGRAM, member.member_id, None, 50).entries

    def now(self, member):
        return self.ledger.get_member(PROGRAM, member.member_id)


@pytest.fixture
def world():
    return World()


def test_bonus_points_land_once_valued_at_the_point_value(world):
    ada = world.member()

    first = world.grant(ada, BonusPoints(500))
    again = world.grant(ada, BonusPoints(500), now=NOW + timedelta(hours=1))   # a retry after a crash

    assert first == Granted(500, Decimal("5.00"), "500 bonus points")
    assert (again.points, again.cost) == (500, Decimal("5.00"))
    assert "already granted" in again.detail
    [entry] = world.entries(ada)
    assert (entry.kind, entry.points, entry.reason, entry.business_key) == (
        EntryKind.BONUS, 500, "campaign bonus", f"offer:{KEY}")
    assert world.now(ada).points_balance == 500
    assert world.now(ada).lifetime_points == 500
    assert not world.ledger.messages                      # like an adjustment: no points_earned mail


def test_a_bonus_is_activity_that_moves_an_inactivity_expiry_like_other_awards():
    world = World([ProgramRules(point_value=Decimal("0.005"), expiry=Expiry(INACTIVITY, 12))])
    ada = world.member()

    granted = world.grant(ada, BonusPoints(1000))

    assert granted.cost == Decimal("5.000")
    assert world.now(ada).last_activity_at == NOW
    assert {m.kind for m in world.ledger.messages.values()} == {"points_expiring"}


def test_a_multiplier_sets_the_members_boost_for_its_days_once_per_key_and_costs_nothing_now(world):
    ada = world.member()

    first = world.grant(ada, PointsMultiplier(Decimal(2), 14))

    assert first == Granted(0, Decimal(0), "points × 2 for 14 days")
    assert world.now(ada).boost == Boost(Decimal(2), NOW, NOW + timedelta(days=14))
    assert world.now(ada).boost_at(NOW + timedelta(days=13)) == 2
    assert world.now(ada).boost_at(NOW + timedelta(days=14)) == 1
    later = world.grant(ada, PointsMultiplier(Decimal(3), 7), key="campaign:c2:m:2026-11-25:step-1",
                        now=NOW + timedelta(days=2))
    assert later.detail == "points × 3 for 7 days"      # the latest grant replaces the window
    retried = world.grant(ada, PointsMultiplier(Decimal(2), 14), now=NOW + timedelta(days=3))
    assert retried == Granted(0, Decimal(0), "points × 2 for 14 days (already granted)")
    assert world.now(ada).boost == Boost(Decimal(3), NOW + timedelta(days=2), NOW + timedelta(days=9))
    assert world.entries(ada) == ()


def test_a_reward_code_is_given_without_spending_points_and_mailed_at_once_without_a_connector():
    world = World(connected=False)
    ada = world.member()

    first = world.grant(ada, RewardOffer(TEN_OFF.reward_id))
    again = world.grant(ada, RewardOffer(TEN_OFF.reward_id), now=NOW + timedelta(minutes=5))

    assert (first.points, first.cost) == (0, Decimal(10))             # a fixed amount off costs its amount
    assert (again.points, again.cost) == (0, Decimal(10))
    assert "already granted" in again.detail
    [redemption] = world.redemptions.list(PROGRAM, ada.member_id)
    assert (redemption.points, redemption.status, redemption.reward_id) == (0, NOT_REGISTERED, TEN_OFF.reward_id)
    assert redemption.expires_at == NOW + timedelta(days=30)
    assert redemption.code not in first.detail                         # the code goes to the member only
    [entry] = world.entries(ada)
    assert (entry.kind, entry.points) == (EntryKind.REDEEM, 0)
    assert world.now(ada).points_balance == 0
    [mail] = world.ledger.messages.values()
    assert (mail.kind, mail.data["code"], mail.data["points"]) == ("reward_code", redemption.code, 0)
    assert [a.action for a in world.redemptions.audits] == ["redemption.give"]


def test_a_reward_code_waits_for_shopify_registration_when_connected_and_costs_its_points_at_the_point_value():
    world = World([ProgramRules(point_value=Decimal("0.02"))])
    ada = world.member()

    granted = world.grant(ada, RewardOffer(FIFTEEN_PERCENT.reward_id))

    assert granted.cost == Decimal("6.00")                             # 300 points × 0.02
    [redemption] = world.redemptions.list(PROGRAM, ada.member_id)
    assert (redemption.status, redemption.customer_id) == (PENDING, "7001")
    assert not world.ledger.messages                                   # mailed once registered


def test_a_repeat_after_the_reward_was_retired_answers_as_the_first_grant_did(world):
    ada = world.member()
    first = world.grant(ada, RewardOffer(FIFTEEN_PERCENT.reward_id))
    world.deps.rewards.rewards[1] = replace(FIFTEEN_PERCENT, active=False)

    again = world.grant(ada, RewardOffer(FIFTEEN_PERCENT.reward_id))

    assert (again.points, again.cost, again.detail) == (0, first.cost, f"{first.detail} (already granted)")
    assert len(world.redemptions.stored) == 1


def test_a_reward_no_longer_in_the_catalog_grants_nothing(world):
    ada = world.member()

    assert world.grant(ada, RewardOffer(RETIRED.reward_id)) == Granted(
        0, Decimal(0), f"no active reward {RETIRED.reward_id} in the catalog: nothing granted")
    assert world.grant(ada, RewardOffer("rw_ffffffffffffffff")).points == 0
    assert world.redemptions.stored == {}


def test_a_tag_goes_to_the_members_shopify_customer_and_a_retry_adds_nothing_more(world):
    ada = world.member()

    assert world.grant(ada, ShopifyTag("vip-early-access")) == Granted(0, Decimal(0),
                                                                       "Shopify tag 'vip-early-access' added")
    world.grant(ada, ShopifyTag("vip-early-access"))
    assert world.tags.tags == {"7001": {"vip-early-access"}}


def test_a_tag_for_a_member_without_a_shopify_customer_or_without_a_connector_is_not_an_error():
    world = World()
    contact = world.member(CONTACT)
    assert world.grant(contact, ShopifyTag("vip")) == Granted(0, Decimal(0), "no Shopify customer")
    unconnected = World(connected=False)
    ada = unconnected.member()
    assert unconnected.grant(ada, ShopifyTag("vip")) == Granted(0, Decimal(0), "no Shopify connector: tag not added")
    assert world.tags.calls == 0


def test_shopify_failing_raises_so_the_due_step_is_tried_again(world):
    ada = world.member()
    world.tags.down = True

    with pytest.raises(ConnectorUnavailable):
        world.grant(ada, ShopifyTag("vip"))


def test_an_erased_member_is_granted_nothing(world):
    ada = world.member()
    world.ledger.erase(PROGRAM, SHOPIFY, NOW)
    erased = world.now(ada)

    for offer in (BonusPoints(5), PointsMultiplier(Decimal(2), 3), RewardOffer(TEN_OFF.reward_id), ShopifyTag("x")):
        assert world.grant(erased, offer) == Granted(0, Decimal(0), "member erased: nothing granted")
    assert world.entries(ada) == ()
    assert world.tags.calls == 0


def test_a_member_merged_into_another_is_granted_through_the_person_it_became(world):
    contact, ada = world.member(CONTACT), world.member()
    plan = plan_merge(contact, ada, ada.member_id, ("member", "silver", "gold"), NOW, "same email")
    world.ledger.merge_members(PROGRAM, plan, SHOPIFY, audit=None)
    merged = world.now(contact)

    world.grant(merged, BonusPoints(300))

    assert world.now(ada).points_balance == 300
    assert world.now(contact).points_balance == 0


def test_a_campaign_grants_from_the_offer_json_it_stored(world):
    ada = world.member()
    grant_offer = granter(PROGRAM, world.deps)

    assert grant_offer(ada, {"bonus_points": 250}, KEY, NOW) == (250, Decimal("2.50"))
    assert grant_offer(ada, {"bonus_points": 250}, KEY, NOW) == (250, Decimal("2.50"))
    assert world.now(ada).points_balance == 250
    with pytest.raises(ValueError, match=r"offer\.bonus_points: an integer from 1 to 100,000"):
        grant_offer(ada, {"bonus_points": -1}, "another", NOW)
