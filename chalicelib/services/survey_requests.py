"""Surveys asked at the moments the program's rules name (domain/surveys.py), through the outbox like every message.

Triggers, each one message per business key however often its event arrives: NPS some days after an order's delivery
(created with the order's first shipment, held by the dispatcher until delivery + the delay, like a review request),
NPS on the member's Nth purchase day, NPS on entering a journey stage (both in the order's own transaction). CSAT on a
closed HubSpot ticket is created by the HubSpot follow-up.

At dispatch a survey is dropped (never retried) when the member was surveyed within the throttle window, whatever the
kind, or when the rules no longer ask it. Review requests never look at any survey or score (FTC 16 CFR 465).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain import accounting as acc
from chalicelib.domain import surveys
from chalicelib.domain.gates import Decision
from chalicelib.domain.ledger import Member
from chalicelib.domain.messages import Message, new_message
from chalicelib.domain.program import ProgramRules
from chalicelib.domain.surveys import AFTER_DELIVERY, AFTER_ORDERS, NPS_SURVEY, ON_STAGE, TICKET_CLOSED, SurveyRules
from chalicelib.services.ports.feedback import SentSurvey
from chalicelib.services.ports.ledger import LedgerRepository, MemberChange

THROTTLED = "survey_throttled"


def with_surveys(program_id: str, before: acc.OrderAccount, after: acc.OrderAccount, member: Member | None,
                 effect: MemberChange | None, rules: ProgramRules, now: datetime) -> MemberChange | None:
    """The order change's effect on its member with the NPS survey it triggers, if any (at most one per change)."""
    asks = (_on_stage(program_id, after.member_id, effect, rules.surveys, now)
            + _on_orders(program_id, after.member_id, member, effect, rules.surveys, now)
            + _after_delivery(program_id, before, after, rules.surveys))
    if not asks:
        return effect
    if effect is None:                          # a shipment of an order that moved nothing else of its member
        return MemberChange(expected_version=None, check_version=False, messages=asks[:1])
    return replace(effect, messages=effect.messages + asks[:1])


def _after_delivery(program_id: str, before: acc.OrderAccount, after: acc.OrderAccount,
                    rules: SurveyRules) -> tuple[Message, ...]:
    """The order's first shipment schedules the survey at the earliest it could go (shipment + the delay); the
    dispatcher holds it until delivery + the delay (`ready_at`)."""
    days = rules.nps_after_delivery_days
    if days is None or before.fulfillments or not after.fulfillments or after.member_id is None:
        return ()
    shipped = min(f.created_at for f in after.fulfillments.values())
    return (new_message(f"nps_survey:{program_id}:{after.key}", after.member_id, NPS_SURVEY,
                        shipped + timedelta(days=days),
                        {"trigger": AFTER_DELIVERY, "shop": after.shop, "order_id": after.order_id,
                         "order_name": after.order_name or f"#{after.order_id}"}),)


def _on_orders(program_id: str, member_id: str | None, member: Member | None, effect: MemberChange | None,
               rules: SurveyRules, now: datetime) -> tuple[Message, ...]:
    """The member's Nth purchase day: counted only from a read profile (the change guards its version)."""
    wanted = rules.nps_after_orders
    if wanted is None or member_id is None or effect is None or effect.purchase_day is None \
            or not effect.check_version:
        return ()
    days = member.purchase_days if member else {}
    if effect.purchase_day in days or len(days) + 1 != wanted:
        return ()
    return (new_message(f"nps_survey:{program_id}:{member_id}:orders:{wanted}", member_id, NPS_SURVEY,
                        now, {"trigger": AFTER_ORDERS, "orders": wanted}),)


def _on_stage(program_id: str, member_id: str | None, effect: MemberChange | None, rules: SurveyRules,
              now: datetime) -> tuple[Message, ...]:
    """Entering a stage the rules name (a stage is entered once: it only moves forward)."""
    if member_id is None or effect is None or not rules.nps_on_stages:
        return ()
    entered = [c for c in effect.journey_changes if c.kind == "stage" and c.new in rules.nps_on_stages]
    return tuple(new_message(f"nps_survey:{program_id}:{member_id}:stage:{c.new}", member_id, NPS_SURVEY, now,
                             {"trigger": ON_STAGE, "stage": c.new}) for c in entered[-1:])


def ready_at(account: acc.OrderAccount, rules: ProgramRules) -> datetime | None:
    """Delivery + `nps_after_delivery_days`, or, when no delivery event came, the first shipment + the review
    timing's fallback (`after_fulfillment_days`, at least the survey's own delay)."""
    days = rules.surveys.nps_after_delivery_days or 0
    shipments = list(account.fulfillments.values())
    if not shipments:
        return None
    delivered = [f.delivered_at for f in shipments if f.delivered_at]
    if delivered:
        return min(delivered) + timedelta(days=days)
    return min(f.created_at for f in shipments) + timedelta(days=max(rules.reviews.after_fulfillment_days, days))


def survey_gate(program_id: str, message: Message, member: Member | None, ledger: LedgerRepository,
                rules: ProgramRules, now: datetime) -> Decision | None:
    """A decision when the survey must not go now (held for delivery) or ever (throttled, no longer asked)."""
    trigger = message.data.get("trigger")
    if not _still_asked(trigger, message.data, rules.surveys):
        return Decision("skip", f"the program's rules no longer ask this survey ({trigger})")
    if trigger == AFTER_DELIVERY:
        held = _delivery_gate(program_id, message, ledger, rules, now)
        if held is not None:
            return held
    last = member.last_surveyed_at if member else None
    if surveys.throttled(last, now, rules.surveys):
        return Decision("skip", f"{THROTTLED}: surveyed at {last.isoformat() if last else ''}, within the "
                                f"{rules.surveys.throttle_days}-day window")
    return None


def _still_asked(trigger: object, data: Mapping[str, Any], rules: SurveyRules) -> bool:
    return {AFTER_DELIVERY: rules.nps_after_delivery_days is not None,
            AFTER_ORDERS: rules.nps_after_orders is not None,
            ON_STAGE: data.get("stage") in rules.nps_on_stages,
            TICKET_CLOSED: rules.csat_on_ticket_closed}.get(str(trigger), True)


def _delivery_gate(program_id: str, message: Message, ledger: LedgerRepository, rules: ProgramRules,
                   now: datetime) -> Decision | None:
    data = message.data
    account = ledger.load_order(program_id, str(data["shop"]), str(data["order_id"]), None).account
    if account is None or account.cancelled_at is not None:
        return Decision("skip", "the order was cancelled")
    ready = ready_at(account, rules)
    if ready is None or ready > now:
        return Decision("defer", "waiting for delivery, or for the fallback delay after shipment",
                        ready or now + timedelta(days=1))
    return None


def sent_survey(message: Message, member: Member, now: datetime) -> SentSurvey:
    """The survey as it went out at `now` (its links' issue time), with the member's place then."""
    return SentSurvey(survey_id=message.message_id, member_id=member.member_id, kind=message.kind,
                      trigger=str(message.data.get("trigger", "")), sent_at=now,
                      stage=member.current_journey().stage.value,
                      segment=member.rfm.segment if member.rfm else None, tier=member.tier)
