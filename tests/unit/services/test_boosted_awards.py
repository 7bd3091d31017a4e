"""An offer's boost beyond Shopify orders: HubSpot won deals earn at it inside its window, and a dry run compares
proposed rules with the boost the actual award had."""
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from chalicelib.domain.offers import Boost
from chalicelib.domain.program import DEFAULT_RULES
from chalicelib.services.dry_run import compare
from chalicelib.services.ports.hubspot import HubSpotDeal
from tests.hubspot_factories import OCCURRED, prop
from tests.offer_fakes import InMemoryBoosts
from tests.unit.services.test_dry_run import account, member
from tests.unit.services.test_hubspot_events import World

WON_AT = datetime.fromtimestamp(OCCURRED / 1000, UTC)


def won(deal_id):
    return prop(deal_id, "dealstage", "closedwon", event_id=deal_id, kind="deal.propertyChange")


def test_a_won_deal_earns_at_the_members_boost_inside_its_window_only():
    world = World()
    ada = world.shopify_member()
    boosts = InMemoryBoosts(world.ledger)
    boosts.set_boost("demo", ada, Boost(Decimal("1.5"), WON_AT - timedelta(days=1), WON_AT + timedelta(days=1)), "k1")
    world.api.deals["77"] = HubSpotDeal(Decimal("100.00"), "usd", "closedwon", ("1",))
    assert world.deliver(won(77)).points == 150                       # 100 × 1.5
    boosts.set_boost("demo", ada, Boost(Decimal("1.5"), WON_AT + timedelta(hours=1), WON_AT + timedelta(days=1)),
                     "k2")
    world.api.deals["78"] = HubSpotDeal(Decimal("100.00"), "usd", "closedwon", ("1",))
    assert world.deliver(won(78)).points == 100                       # won before the new window opened


def test_a_dry_run_applies_the_boost_the_actual_award_had():
    paid = datetime(2026, 11, 20, 15, tzinfo=UTC)
    boosted = replace(member("m_1", "member"), boost=Boost(Decimal(2), paid - timedelta(days=1), paid + timedelta(1)))
    assert compare(account("1", "150.74", paid, points=301), DEFAULT_RULES, boosted).proposed_points == 301
    later = account("2", "150.74", paid + timedelta(days=2))
    assert compare(later, DEFAULT_RULES, boosted).proposed_points == 150
