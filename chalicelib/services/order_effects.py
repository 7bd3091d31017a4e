"""What an order change does to its member besides the entries: spend toward tiers, a tier upgrade, activity
for inactivity expiry, and the messages it causes (points earned, tier achieved, reward available, review
request, expiry and tier notices), all written in the order's transaction.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from chalicelib.domain import accounting as acc
from chalicelib.domain import journey, tiers
from chalicelib.domain.figures import REVENUE, Delta, purchase_deltas, tier_deltas
from chalicelib.domain.ledger import EntryKind, LedgerEntry, Member
from chalicelib.domain.messages import Message, new_message
from chalicelib.domain.program import INACTIVITY, ProgramRules
from chalicelib.domain.rewards import Reward, crossed
from chalicelib.services.lifecycle import expiry_notices, tier_notice
from chalicelib.services.ports.ledger import MemberChange

ACTIVITY = {EntryKind.EARN, EntryKind.PENDING_EARN, EntryKind.BONUS, EntryKind.REDEEM}


def member_effect(before: acc.OrderAccount, change: acc.Change, member: Member | None, rules: ProgramRules,
                   entries: list[LedgerEntry], now: datetime, read: bool,
                   reward: Reward | None = None) -> MemberChange | None:
    """What the order change does to its member; a lot that absorbed spending also lowers the member's credit."""
    effect = _order_effect(before, change, member, rules, entries, now, read, reward)
    if not change.spend_absorbed or member is None:
        return effect
    return replace(effect or MemberChange(expected_version=member.version), spend_credit=-change.spend_absorbed,
                   expected_version=member.version, check_version=True)


def _order_effect(before: acc.OrderAccount, change: acc.Change, member: Member | None, rules: ProgramRules,
                  entries: list[LedgerEntry], now: datetime, read: bool,
                  reward: Reward | None = None) -> MemberChange | None:
    """Spend toward tiers (in the order's month), an upgrade it triggers, and activity for inactivity expiry.

    Only a change computed from a read profile (`read`) guards the profile's version; an unread one may only
    lower the spend, which the yearly review takes into account.
    """
    award = change.account.award
    review = _review_request(before, change.account, rules)
    paid_at = change.account.paid_at or (award.paid_at if award else None)
    newly_paid = change.account.paid_at is not None and before.paid_at is None
    if change.account.member_id is None or (award is None and review is None and not newly_paid):
        return None
    if award is None:        # an order that earned nothing: its purchase day, or a shipment's review request
        return _unrewarded(member, paid_at if newly_paid else None, review, rules, read)
    delta = acc.qualifying_spend(change.account) - acc.qualifying_spend(before)
    if delta == 0 and not entries and review is None:
        return None
    month = tiers.month_key(award.paid_at)
    spend = dict(member.spend) if member else {}
    spend[month] = spend.get(month, 0) + delta
    current_tier = member.tier if member else rules.tiers[0].name
    active = any(e.kind in ACTIVITY for e in entries)
    tier_change = tiers.upgrade(rules, current_tier, spend, now) if delta > 0 and read else None
    expires = tiers.add_months(now, rules.expiry.months) if active and rules.expiry.policy == INACTIVITY else None
    notices = (expiry_notices(change.account.member_id, expires, now) if expires else ()) + (
        tier_notice(change.account.member_id, tier_change.new, tier_change.review_at, now)
        if tier_change and tier_change.new != rules.tiers[0].name else ())
    tier_after = tier_change.new if tier_change else current_tier
    day_of = paid_at or award.paid_at
    journey_step = _journey_on_order(member, day_of, tier_after != rules.tiers[0].name, rules) if read else None
    return MemberChange(
        expected_version=member.version if member else None, spend_month=month, spend_delta=delta,
        check_version=read, purchase_day=day_of.date(), day_value=delta,
        figures=purchase_figures(member, day_of, delta, read)
        + tuple(tier_deltas(tier_change, [t.name for t in rules.tiers])),
        journey=journey_step.journey if journey_step else None,
        journey_changes=journey_step.changes if journey_step else (),
        tier_change=tier_change,
        messages=rules.sendable(_messages(change.account, member, rules, entries, tier_change, now)
                                + ((review,) if review else ()) + notices
                                + _reward_available(change.account.member_id, member, entries, reward, now)),
        activity_at=now if active else None,
        inactivity_expiry_at=expires,
    )


def _unrewarded(member: Member | None, paid_at: datetime | None, review: Message | None, rules: ProgramRules,
                read: bool) -> MemberChange:
    """An order that earned no points: when it was just paid, its day is a purchase day all the same (value 0)."""
    messages = (review,) if review else ()
    if paid_at is None:
        return MemberChange(expected_version=None, check_version=False, messages=messages)
    above_base = member is not None and member.tier != rules.tiers[0].name
    step = _journey_on_order(member, paid_at, above_base, rules) if read else None
    return MemberChange(expected_version=member.version if member else None, check_version=read,
                        purchase_day=paid_at.date(), day_value=Decimal(0), messages=messages,
                        figures=purchase_figures(member, paid_at, Decimal(0), read),
                        journey=step.journey if step else None, journey_changes=step.changes if step else ())


def purchase_figures(member: Member | None, paid_at: datetime, value: Decimal, read: bool) -> tuple[Delta, ...]:
    """The day counters' share of a purchase: its value, and the customer's purchase events when the day is new.

    The events follow from the member's purchase days, so only a change computed from the read profile (whose
    version the transaction guards) may move them; an unread one moves only the value (a refund's day exists).
    """
    if not read:
        return (Delta(paid_at.date(), REVENUE, value),) if value else ()
    return tuple(purchase_deltas(member.purchase_days if member else (), paid_at.date(), value))


def _journey_on_order(member: Member | None, paid_at: datetime, above_base_tier: bool,
                      rules: ProgramRules) -> journey.Step | None:
    """An order on a day that was not yet one of the member's purchase days moves the journey (first order, repeat,
    won back), in the order's own transaction; the day is the shop's calendar day (the order's offset). None when
    nothing moved."""
    day = paid_at.date()
    days = dict(member.purchase_days) if member else {}
    if day in days:
        return None
    days[day] = Decimal(0)
    facts = journey.facts_from_days(days, paid_at, above_base_tier, rules.journey)
    current = (member.journey if member and member.journey else None) or journey.start(
        member.created_at if member else paid_at)
    step = journey.on_order(current, facts, paid_at, rules.journey)
    return step if step.changes else None


def _messages(account: acc.OrderAccount, member: Member | None, rules: ProgramRules, entries: list[LedgerEntry],
              tier_change: tiers.TierChange | None, now: datetime) -> tuple[Message, ...]:
    """Points earned (when an order's points become spendable) and tier achieved, in the same transaction."""
    member_id = account.member_id or ""
    balance = (member.points_balance if member else 0) + sum(e.points for e in entries)
    name = account.award.order_name if account.award and account.award.order_name else f"#{account.order_id}"
    found = [new_message(f"points_earned:{e.business_key}", member_id, "points_earned", now,
                         {"points": e.points, "order_name": name, "balance": balance})
             for e in entries if e.kind in (EntryKind.EARN, EntryKind.RELEASE) and e.points > 0]
    if tier_change is not None and tier_change.new != tier_change.old:
        tier = rules.tier_named(tier_change.new)
        found.append(new_message(f"tier_achieved:{member_id}:{tier.name}:{now.isoformat()}", member_id,
                                 "tier_achieved", now, {"tier": tier.name, "multiplier": str(tier.multiplier)}))
    return tuple(found)


def _reward_available(member_id: str, member: Member | None, entries: list[LedgerEntry], reward: Reward | None,
                      now: datetime) -> tuple[Message, ...]:
    """The balance just reached the cheapest reward: tell the member, once per crossing."""
    before = member.points_balance if member else 0
    after = before + sum(e.points for e in entries)
    if reward is None or not crossed(reward, before, after):
        return ()
    return (new_message(f"reward_available:{member_id}:{reward.reward_id}:{entries[-1].business_key}", member_id,
                        "reward_available", now, {"reward_name": reward.name, "points_cost": reward.points_cost,
                                                  "balance": after}),)


def _review_request(before: acc.OrderAccount, after: acc.OrderAccount, rules: ProgramRules) -> Message | None:
    """The order's first shipment schedules one review request listing its products.

    It is due at the earliest moment it could go (shipment + the delay after delivery); the dispatcher
    holds it until the real time (delivery + delay, or shipment + the fallback) and drops it if the order
    was refunded or cancelled meanwhile.
    """
    if before.fulfillments or not after.fulfillments or not after.items or after.member_id is None:
        return None
    shipped = min(f.created_at for f in after.fulfillments.values())
    return new_message(f"review_request:{after.key}", after.member_id, "review_request",
                       shipped + timedelta(days=rules.reviews.after_delivery_days),
                       {"shop": after.shop, "order_id": after.order_id, "order_name": after.order_name or
                        f"#{after.order_id}", "products": [list(item) for item in after.items]})
