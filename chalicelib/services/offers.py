"""Granting an offer (domain/offers.py) to a member, once per the caller's key, and what it cost in money.

The caller (a campaign step) names each grant with a stable key and may call again after a crash: a second call
with the key has no second effect and answers what the first granted. The cost values points at the program's
`point_value`: bonus points at once; a multiplier costs nothing when granted (the extra points it brings show
in the points earned later); a reward code at its value for a fixed amount off, else its points cost × point value;
a tag nothing. A Shopify failure raises (the caller's due work tries again); what cannot work (no Shopify customer,
no connector, a reward no longer in the catalog, an erased member) answers with nothing granted and why.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from chalicelib.domain.errors import DuplicateEntry
from chalicelib.domain.ledger import EntryKind, LedgerEntry, Member, MemberHints, entry_id_for, primary_identity
from chalicelib.domain.offers import (
    BonusPoints,
    Boost,
    Offer,
    PointsMultiplier,
    RewardOffer,
    ShopifyTag,
    offer_key,
    parse_offer,
)
from chalicelib.domain.rewards import FIXED_AMOUNT, Reward
from chalicelib.services.crm_push import customer_of
from chalicelib.services.hubspot_ledger import activity
from chalicelib.services.merges import current_member
from chalicelib.services.ports.ledger import LedgerRepository
from chalicelib.services.ports.offers import BoostStore, CustomerTags
from chalicelib.services.ports.programs import RulesSource
from chalicelib.services.ports.rewards import RewardCatalog
from chalicelib.services.redemptions import RedemptionStore, give_reward

BONUS_REASON = "campaign bonus"
ALREADY = "already granted"


@dataclass(frozen=True)
class Granted:
    points: int          # points the member got (0 for a multiplier, a reward, a tag)
    cost: Decimal        # in the shop's currency
    detail: str          # what was done, or why nothing was


@dataclass(frozen=True)
class OfferDeps:
    ledger: LedgerRepository
    boosts: BoostStore
    rewards: RewardCatalog
    redemptions: RedemptionStore
    rules: RulesSource
    shopify: Callable[[str], CustomerTags | None]   # the program's Shopify Admin client; None without a connector


def grant(program_id: str, member: Member, offer: Offer, key: str, now: datetime, deps: OfferDeps) -> Granted:
    """Grant `offer` to the member (the one it was merged into, if it was), once per `key`."""
    if member.merged_into:
        member = current_member(deps.ledger, program_id, member.member_id)
    if member.erased_at is not None:
        return Granted(0, Decimal(0), "member erased: nothing granted")
    if isinstance(offer, BonusPoints):
        return _bonus(program_id, member, offer, key, now, deps)
    if isinstance(offer, PointsMultiplier):
        return _boost(program_id, member, offer, key, now, deps)
    if isinstance(offer, RewardOffer):
        return _reward(program_id, member, offer, key, now, deps)
    return _tag(program_id, member, offer, deps)


def granter(program_id: str, deps: OfferDeps) -> Callable[[Member, object, str, datetime], tuple[int, Decimal]]:
    """`grant` for one program, taking the offer as stored JSON (a campaign step keeps it so): (points, cost).
    The JSON was checked when stored; an offer that no longer reads raises ValueError."""
    def run(member: Member, raw: object, key: str, now: datetime) -> tuple[int, Decimal]:
        offer, problems = parse_offer(raw, "offer")
        if offer is None:
            raise ValueError("; ".join(problems))
        granted = grant(program_id, member, offer, key, now, deps)
        return granted.points, granted.cost
    return run


def _bonus(program_id: str, member: Member, offer: BonusPoints, key: str, now: datetime,
           deps: OfferDeps) -> Granted:
    """A bonus entry, like a HubSpot workflow's grant: activity for inactivity expiry; no points_earned mail (as for
    an adjustment)."""
    rules = deps.rules.rules_at(program_id, now)
    cost = offer.points * rules.point_value
    identity = primary_identity(program_id, member)
    if identity is None:
        return Granted(0, Decimal(0), "member without an identity: nothing granted")
    business_key = offer_key(key)
    entry = LedgerEntry(entry_id=entry_id_for(business_key), business_key=business_key, kind=EntryKind.BONUS,
                        points=offer.points, occurred_at=now, recorded_at=now, reason=BONUS_REASON,
                        source={"offer_key": key})      # no rule_version: the campaign set the amount, no rule did
    try:
        deps.ledger.append(program_id, identity, MemberHints(), entry, activity(rules, now, member.member_id))
    except DuplicateEntry:
        return Granted(offer.points, cost, f"{offer.points} bonus points ({ALREADY})")
    return Granted(offer.points, cost, f"{offer.points} bonus points")


def _boost(program_id: str, member: Member, offer: PointsMultiplier, key: str, now: datetime,
           deps: OfferDeps) -> Granted:
    boost = Boost(offer.factor, now, now + timedelta(days=offer.days))
    done = deps.boosts.set_boost(program_id, member.member_id, boost, key)
    what = f"points × {format(offer.factor, 'f')} for {offer.days} days"
    return Granted(0, Decimal(0), what if done else f"{what} ({ALREADY})")


def _reward(program_id: str, member: Member, offer: RewardOffer, key: str, now: datetime,
            deps: OfferDeps) -> Granted:
    """A reward retired since it was given still answers a repeat as the first grant did."""
    reward = next((r for r in deps.rewards.list(program_id) if r.reward_id == offer.reward_id), None)
    if reward is None or not (reward.active or deps.redemptions.by_idempotency_key(program_id, offer_key(key))):
        return Granted(0, Decimal(0), f"no active reward {offer.reward_id} in the catalog: nothing granted")
    redemption, made = give_reward(program_id, member, reward, offer_key(key), deps.redemptions, now,
                                   shopify_connected=deps.shopify(program_id) is not None)
    what = f"reward {reward.name!r} given as {redemption.redemption_id} ({redemption.status})"
    return Granted(0, reward_cost(reward, deps.rules.rules_at(program_id, now).point_value),
                   what if made else f"{what} ({ALREADY})")


def reward_cost(reward: Reward, point_value: Decimal) -> Decimal:
    """What a reward given away costs: its amount off for a fixed amount, else its points cost at the point value."""
    if reward.kind == FIXED_AMOUNT and reward.value is not None:
        return reward.value
    return reward.points_cost * point_value


def _tag(program_id: str, member: Member, offer: ShopifyTag, deps: OfferDeps) -> Granted:
    """tagsAdd is idempotent in Shopify itself: a retry adds nothing, so no guard is kept."""
    customer = customer_of(member, "")
    if customer is None:
        return Granted(0, Decimal(0), "no Shopify customer")
    tags = deps.shopify(program_id)
    if tags is None:
        return Granted(0, Decimal(0), "no Shopify connector: tag not added")
    tags.add_customer_tags(customer, [offer.tag])
    return Granted(0, Decimal(0), f"Shopify tag {offer.tag!r} added")
