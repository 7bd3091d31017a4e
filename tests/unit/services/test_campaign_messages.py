"""A campaign mail's merge values are the member's standing when it is sent: points, tier and what the next tier
needs, the next reward and the points it needs, the predictions."""
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from chalicelib.domain.gates import MessagingPolicy
from chalicelib.domain.journey import Prediction
from chalicelib.domain.ledger import Member
from chalicelib.domain.messages import new_message
from chalicelib.domain.program import ProgramRules, Tier
from chalicelib.domain.rewards import Reward
from chalicelib.services.campaign_messages import campaign_gate, merge_values, next_reward
from chalicelib.services.ports.programs import MessagingSettings

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
RULES = ProgramRules(tiers=(Tier("member", Decimal(0)), Tier("silver", Decimal(200)), Tier("gold", Decimal(500))))
SETTINGS = MessagingSettings(program_name="Demo Rewards", sender_name="Demo", sender_email="r@demo.example",
                             postal_address="1 Demo St", public_url="https://loyalty.example.net",
                             unsubscribe_secrets=(b"s",), policy=MessagingPolicy(timezone="America/New_York"),
                             store_url="https://shop.example.com", currency="EUR")
ADA = Member(member_id="m_" + "a" * 24, program_id="demo", email="ada@example.com", first_name="Ada",
             points_balance=400, pending_points=0, lifetime_points=900, tier="silver", identities=(),
             created_at=NOW, updated_at=NOW, spend={"2026-10": Decimal("320.00")})


def reward(name, cost, active=True):
    return Reward(reward_id=f"rw_{cost:016x}", name=name, kind="fixed_amount", value=Decimal(5), points_cost=cost,
                  created_at=NOW, active=active)


CATALOG = [reward("$5 off", 300), reward("$10 off", 600), reward("$50 off", 2500), reward("old", 500, active=False)]


def test_the_values_are_the_members_standing_now():
    member = replace(ADA, prediction=Prediction(0.8, 2.1, Decimal("310.456"), datetime(2027, 3, 4, 2, tzinfo=UTC)))
    assert merge_values(member, RULES, CATALOG, SETTINGS, NOW) == {
        "first_name": "Ada", "points": 400, "tier": "silver", "next_tier": "gold", "spend_to_next_tier": "180.00",
        "next_reward": "$10 off", "points_to_next_reward": 200, "predicted_clv": "310.46",
        "expected_next_order": "2027-03-03",          # in the program's time zone
        "currency": "EUR", "store_url": "https://shop.example.com", "program_name": "Demo Rewards"}


def test_at_the_top_without_a_model_the_values_it_has_none_of_are_none():
    values = merge_values(replace(ADA, tier="gold", first_name=None), RULES, [], SETTINGS, NOW)
    assert {k: values[k] for k in ("next_tier", "spend_to_next_tier", "next_reward", "points_to_next_reward",
                                   "predicted_clv", "expected_next_order", "first_name")} == dict.fromkeys(
        ("next_tier", "spend_to_next_tier", "next_reward", "points_to_next_reward", "predicted_clv",
         "expected_next_order", "first_name"))


def test_the_next_reward_is_the_cheapest_active_one_not_yet_affordable_else_the_cheapest():
    assert next_reward(CATALOG, 0).name == "$5 off"
    assert next_reward(CATALOG, 300).name == "$10 off"
    assert next_reward(CATALOG, 5000).name == "$5 off"
    assert next_reward([reward("old", 10, active=False)], 0) is None


def test_the_gate_fills_the_merge_values_and_skips_a_member_that_is_gone():
    message = new_message("campaign:1", ADA.member_id, "campaign_message", NOW, {"campaign_id": "cmp_1"})
    held, filled = campaign_gate(message, ADA, RULES, CATALOG, SETTINGS, NOW)
    assert held is None
    assert filled.data["campaign_id"] == "cmp_1"
    assert filled.data["merge"]["points"] == 400
    held, _ = campaign_gate(message, None, RULES, CATALOG, SETTINGS, NOW)
    assert (held.action, held.reason) == ("skip", "no such member")
