"""Surveys asked: which order changes bring an NPS survey (once per key), and when the dispatcher holds or drops one."""
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from chalicelib.domain import accounting as acc
from chalicelib.domain.journey import Cause, Change, Journey, Rfm, Stage
from chalicelib.domain.ledger import Member
from chalicelib.domain.messages import message_id_for, new_message
from chalicelib.domain.program import ProgramRules
from chalicelib.domain.surveys import SurveyRules
from chalicelib.services.ports.ledger import MemberChange, OrderRead
from chalicelib.services.survey_requests import ready_at, sent_survey, survey_gate, with_surveys

NOON = datetime(2026, 11, 23, 12, tzinfo=UTC)
SHIPPED = NOON - timedelta(days=1)
RULES = ProgramRules()


def account(shipments=(), cancelled_at=None, member_id="m_1"):
    return acc.OrderAccount(shop="demo-shop.myshopify.com", order_id="1001", member_id=member_id, order_name="#1001",
                            cancelled_at=cancelled_at,
                            fulfillments={f"f{i}": acc.FulfillmentRecord("success", "delivered" if d else None, c, c, d)
                                          for i, (c, d) in enumerate(shipments)})


def member(**changes):
    return replace(Member(member_id="m_1", program_id="demo", email="ada@example.com", first_name="Ada",
                          points_balance=0, pending_points=0, lifetime_points=0, tier="member", identities=(),
                          created_at=NOON, updated_at=NOON), **changes)


def kinds(effect):
    return [(m.kind, m.data["trigger"]) for m in (effect.messages if effect else ())]


def test_an_orders_first_shipment_schedules_one_nps_survey_due_the_delay_after_shipment():
    effect = with_surveys("demo", account(), account([(SHIPPED, None)]), None, None, RULES, NOON)
    [survey] = effect.messages
    assert (survey.kind, survey.due_at, survey.member_id) == ("nps_survey", SHIPPED + timedelta(days=7), "m_1")
    assert survey.data == {"trigger": "after_delivery", "shop": "demo-shop.myshopify.com", "order_id": "1001",
                           "order_name": "#1001"}
    assert survey.message_id == message_id_for("nps_survey:demo:shopify:demo-shop.myshopify.com:order:1001")
    assert (effect.check_version, effect.expected_version) == (False, None)     # messages alone: the profile is left be


def test_a_later_shipment_or_an_order_without_member_or_rules_that_do_not_ask_brings_none():
    shipped = account([(SHIPPED, None)])
    assert with_surveys("demo", shipped, account([(SHIPPED, None), (NOON, None)]), None, None, RULES, NOON) is None
    assert with_surveys("demo", account(member_id=None), account([(SHIPPED, None)], member_id=None), None, None,
                        RULES, NOON) is None
    off = replace(RULES, surveys=SurveyRules(nps_after_delivery_days=None))
    assert with_surveys("demo", account(), shipped, None, None, off, NOON) is None


def test_the_survey_joins_the_orders_other_messages_in_the_same_change():
    existing = new_message("review_request:x", "m_1", "review_request", NOON, {})
    effect = MemberChange(expected_version=3, messages=(existing,))
    after = with_surveys("demo", account(), account([(SHIPPED, None)]), None, effect, RULES, NOON)
    assert [m.kind for m in after.messages] == ["review_request", "nps_survey"]
    assert after.expected_version == 3


ON_SECOND = replace(RULES, surveys=SurveyRules(nps_after_delivery_days=None, nps_after_orders=2))


def purchase(day, read=True):
    return MemberChange(expected_version=1, check_version=read, purchase_day=day)


def test_the_nth_purchase_day_brings_one_survey_keyed_by_member_and_n():
    first = member(purchase_days={date(2026, 11, 1): Decimal(10)})
    effect = with_surveys("demo", account(), account(), first, purchase(date(2026, 11, 23)), ON_SECOND, NOON)
    [survey] = effect.messages
    assert (survey.data, survey.due_at) == ({"trigger": "after_orders", "orders": 2}, NOON)
    assert survey.message_id == message_id_for("nps_survey:demo:m_1:orders:2")


@pytest.mark.parametrize(("days", "day", "read"), [
    ({date(2026, 11, 1): Decimal(10)}, date(2026, 11, 1), True),     # a second order on a day already counted
    ({}, date(2026, 11, 23), True),                                   # the first day, not the second
    ({date(2026, 11, 1): 1, date(2026, 11, 2): 1}, date(2026, 11, 23), True),   # the third
    ({date(2026, 11, 1): Decimal(10)}, date(2026, 11, 23), False),   # no read profile: cannot count
], ids=["same day", "first", "third", "unread"])
def test_no_survey_on_any_other_purchase_day(days, day, read):
    effect = purchase(day, read)
    assert with_surveys("demo", account(), account(), member(purchase_days=days), effect, ON_SECOND, NOON) is effect


def test_entering_a_stage_the_rules_name_brings_one_survey_per_stage():
    rules = replace(RULES, surveys=SurveyRules(nps_after_delivery_days=None, nps_on_stages=("repeat",)))
    moved = MemberChange(expected_version=1, journey_changes=(
        Change("stage", "first_time", "repeat", NOON, Cause.ORDER), Change("state", "at_risk", "won_back", NOON,
                                                                          Cause.ORDER)))
    [survey] = with_surveys("demo", account(), account(), member(), moved, rules, NOON).messages
    assert survey.data == {"trigger": "on_stage", "stage": "repeat"}
    assert survey.message_id == message_id_for("nps_survey:demo:m_1:stage:repeat")
    loyal = replace(moved, journey_changes=(Change("stage", "repeat", "loyal", NOON, Cause.ORDER),))
    assert with_surveys("demo", account(), account(), member(), loyal, rules, NOON) is loyal


def test_at_most_one_survey_per_change_when_several_triggers_meet():
    rules = replace(RULES, surveys=SurveyRules(nps_after_orders=1, nps_on_stages=("first_time",)))
    change = MemberChange(expected_version=None, purchase_day=NOON.date(), journey_changes=(
        Change("stage", "prospect", "first_time", NOON, Cause.ORDER),))
    effect = with_surveys("demo", account(), account([(SHIPPED, None)]), None, change, rules, NOON)
    assert kinds(effect) == [("nps_survey", "on_stage")]


class Orders:
    """The one order a survey names, as the ledger reads it."""

    def __init__(self, found):
        self.found = found

    def load_order(self, program_id, shop, order_id, member_id, product_ids=()):
        return OrderRead(self.found, None)


def delivery_survey(due=NOON):
    return new_message("nps_survey:demo:order:1001", "m_1", "nps_survey", due,
                       {"trigger": "after_delivery", "shop": "demo-shop.myshopify.com", "order_id": "1001",
                        "order_name": "#1001"})


def test_a_survey_after_delivery_waits_for_the_delivery_plus_the_delay():
    delivered = account([(SHIPPED, SHIPPED + timedelta(days=2))])
    held = survey_gate("demo", delivery_survey(), member(), Orders(delivered), RULES, NOON)
    assert (held.action, held.retry_at) == ("defer", SHIPPED + timedelta(days=9))
    assert survey_gate("demo", delivery_survey(), member(), Orders(delivered), RULES,
                       SHIPPED + timedelta(days=9)) is None


def test_without_a_delivery_event_it_goes_at_the_review_timings_fallback_after_shipment():
    assert ready_at(account([(SHIPPED, None)]), RULES) == SHIPPED + timedelta(days=14)
    longer = replace(RULES, surveys=SurveyRules(nps_after_delivery_days=30))
    assert ready_at(account([(SHIPPED, None)]), longer) == SHIPPED + timedelta(days=30)


def test_a_cancelled_order_is_not_asked_about():
    cancelled = account([(SHIPPED, SHIPPED)], cancelled_at=NOON)
    decision = survey_gate("demo", delivery_survey(), member(), Orders(cancelled), RULES, NOON + timedelta(days=9))
    assert (decision.action, decision.reason) == ("skip", "the order was cancelled")


def test_a_member_surveyed_within_the_window_is_skipped_with_when_and_after_it_is_asked():
    stage_survey = new_message("s", "m_1", "nps_survey", NOON, {"trigger": "on_stage", "stage": "repeat"})
    rules = replace(RULES, surveys=SurveyRules(nps_on_stages=("repeat",)))
    last = NOON - timedelta(days=89, hours=23)
    decision = survey_gate("demo", stage_survey, member(last_surveyed_at=last), Orders(None), rules, NOON)
    assert (decision.action, decision.reason) == (
        "skip", f"survey_throttled: surveyed at {last.isoformat()}, within the 90-day window")
    assert survey_gate("demo", stage_survey, member(last_surveyed_at=NOON - timedelta(days=90)), Orders(None), rules,
                       NOON) is None


def test_a_trigger_the_rules_stopped_asking_drops_its_survey():
    survey = new_message("s", "m_1", "nps_survey", NOON, {"trigger": "on_stage", "stage": "repeat"})
    decision = survey_gate("demo", survey, member(), Orders(None), RULES, NOON)
    assert (decision.action, decision.reason) == ("skip", "the program's rules no longer ask this survey (on_stage)")
    csat = new_message("c", "m_1", "csat_survey", NOON, {"trigger": "ticket_closed", "about": "your support request"})
    assert survey_gate("demo", csat, member(), Orders(None), RULES, NOON) is None
    off = replace(RULES, surveys=SurveyRules(csat_on_ticket_closed=False))
    assert survey_gate("demo", csat, member(), Orders(None), off, NOON).action == "skip"


def test_a_sent_survey_records_the_members_place_and_the_send_time():
    placed = member(journey=Journey(Stage.REPEAT, NOON), tier="gold",
                    rfm=Rfm(recency=5, frequency=4, monetary=4, segment="champions"))
    sent = sent_survey(delivery_survey(), placed, NOON)
    assert (sent.survey_id, sent.member_id, sent.kind, sent.trigger, sent.sent_at, sent.stage, sent.segment,
            sent.tier) == (delivery_survey().message_id, "m_1", "nps_survey", "after_delivery", NOON, "repeat",
                           "champions", "gold")
    assert sent_survey(delivery_survey(), member(), NOON).segment is None
