"""Domain objects → the admin API's response shapes (web/shapes/responses.py); `answer` makes them JSON values.

Times are ISO-8601 with their offset, points integers, money decimal strings.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

import msgspec

from chalicelib.domain.accounting import OrderAccount
from chalicelib.domain.audit import AuditRecord
from chalicelib.domain.ledger import LedgerEntry, Member
from chalicelib.domain.member_events import (
    FeedbackAnswered,
    LinkClicked,
    MailDelivered,
    MailOpened,
    MemberEvent,
    TierChanged,
)
from chalicelib.domain.messages import Message
from chalicelib.domain.money import Money
from chalicelib.domain.reconciliation import Repair
from chalicelib.domain.redemptions import Redemption
from chalicelib.domain.rewards import Reward
from chalicelib.domain.standing import Standing
from chalicelib.services.dry_run import DryRunReport
from chalicelib.services.ports.connectors import ConnectorStatus
from chalicelib.services.ports.due import DueFailure
from chalicelib.services.ports.intake import RefusedDelivery
from chalicelib.services.ports.profiles import DataRequest
from chalicelib.services.ports.programs import ApiKey
from chalicelib.services.ports.reconciliation import RunRecord, SourceState
from chalicelib.web.shapes import responses as shape


def answer(body: msgspec.Struct) -> Any:
    """The JSON value of a response shape, as Chalice sends it."""
    return msgspec.to_builtins(body)


def member_body(member: Member) -> shape.Member:
    return shape.Member(**_member(member))


def _member(member: Member) -> dict[str, Any]:
    return dict(
        member_id=member.member_id, email=member.email, first_name=member.first_name,
        points_balance=member.points_balance, pending_points=member.pending_points,
        lifetime_points=member.lifetime_points, tier=member.tier, identities=list(member.identities),
        email_consent=member.email_consent, consent_updated_at=_time(member.consent_updated_at),
        erased_at=_time(member.erased_at), unsubscribed=sorted(member.unsubscribed),
        unsubscribed_at=_time(member.unsubscribed_at), hard_bounced=member.hard_bounced,
        complained=member.complained, merged_into=member.merged_into, merged_from=list(member.merged_from),
        created_at=member.created_at.isoformat(), updated_at=member.updated_at.isoformat())


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _money(value: Money | None) -> shape.Money | None:
    return shape.Money(**value.to_wire()) if value else None


def entry_body(entry: LedgerEntry) -> shape.Entry:
    return shape.Entry(
        entry_id=entry.entry_id, kind=entry.kind.value, points=entry.points, pending_points=entry.pending_points,
        occurred_at=entry.occurred_at.isoformat(), recorded_at=entry.recorded_at.isoformat(), source=entry.source,
        base_amount=_money(entry.base), presentment_amount=_money(entry.presentment_base),
        rule_version=entry.rule_version, reason=entry.reason)


def order_body(account: OrderAccount) -> shape.Order:
    award = account.award
    return shape.Order(
        shop=account.shop, order_id=account.order_id, points_earned=award.points if award else 0,
        base_amount=_money(award.base) if award else None, rule_version=award.rule_version if award else None,
        points_reversed=account.reversed_points, points_expired=account.expired,
        refund_ids=sorted(account.refunds), cancelled_at=_time(account.cancelled_at),
        fulfillments=[shape.Fulfillment(fulfillment_id=fid, status=f.status, shipment_status=f.shipment_status,
                                        created_at=_time(f.created_at), delivered_at=_time(f.delivered_at))
                      for fid, f in sorted(account.fulfillments.items())])


def data_request_body(request: DataRequest) -> shape.DataRequest:
    return shape.DataRequest(request_id=request.request_id, member_id=request.member_id, shop=request.shop,
                             customer_id=request.customer_id, orders_requested=list(request.orders_requested),
                             received_at=request.received_at.isoformat())


def message_body(message: Message) -> shape.Message:
    return shape.Message(message_id=message.message_id, kind=message.kind, category=message.category,
                         status=message.status, due_at=message.due_at.isoformat(), reason=message.reason,
                         ses_message_id=message.ses_message_id, attempts=message.attempts,
                         created_at=_time(message.created_at), updated_at=_time(message.updated_at),
                         sent_at=_time(message.sent_at), delivered_at=_time(message.delivered_at),
                         opened_at=_time(message.opened_at))


def _plain(value: Decimal | None) -> str | None:
    return format(value, "f") if value is not None else None


def reward_body(reward: Reward) -> shape.Reward:
    return shape.Reward(reward_id=reward.reward_id, name=reward.name, kind=reward.kind, value=_plain(reward.value),
                        points_cost=reward.points_cost, minimum_subtotal=_plain(reward.minimum_subtotal),
                        validity_days=reward.validity_days, active=reward.active,
                        created_at=reward.created_at.isoformat())


def audit_body(record: AuditRecord) -> shape.AuditRecord:
    """An audit record on the wire: before and after as JSON values, not strings."""
    return shape.AuditRecord(audit_id=record.audit_id, key_id=record.key_id, at=record.at.isoformat(),
                             action=record.action, target=record.target,
                             before=json.loads(record.before) if record.before else None,
                             after=json.loads(record.after) if record.after else None, reason=record.reason)


def api_key_body(key: ApiKey) -> shape.ApiKey:
    return shape.ApiKey(**_api_key(key))


def created_api_key_body(key: ApiKey, plain: str) -> shape.CreatedApiKey:
    return shape.CreatedApiKey(**_api_key(key), key=plain)


def _api_key(key: ApiKey) -> dict[str, Any]:
    return dict(key_id=key.key_id, name=key.name, scopes=sorted(key.scopes), created_at=_time(key.created_at),
                created_by=key.created_by, revoked_at=_time(key.revoked_at))


def redemption_body(r: Redemption) -> shape.Redemption:
    return shape.Redemption(
        redemption_id=r.redemption_id, member_id=r.member_id, reward_id=r.reward_id, reward_name=r.reward_name,
        kind=r.reward_kind, value=r.reward_value, points=r.points, code=r.code, status=r.status,
        created_at=r.created_at.isoformat(), expires_at=_time(r.expires_at), attempts=r.attempts,
        shopify_discount_id=r.discount_id, last_error=r.last_error, next_attempt_at=_time(r.retry_at))


def profile_body(member: Member, standing: Standing, currency: str) -> shape.Profile:
    """A member with where they stand (progress to the next tier, what keeps the tier, what expires when) and where
    they are in their journey."""
    def money(amount: Decimal | None) -> shape.Money | None:
        return None if amount is None else _shop_money(amount, currency)

    return shape.Profile(**_member(member), birthday=member.birthday.isoformat() if member.birthday else None,
                         standing=shape.Standing(
                             qualifying_spend=money(standing.qualifying_spend), next_tier=standing.next_tier,
                             spend_to_next_tier=money(standing.spend_to_next_tier),
                             spend_to_keep_tier=money(standing.spend_to_keep_tier),
                             tier_review_at=_time(standing.tier_review_at),
                             next_expiry_at=_time(standing.next_expiry_at),
                             next_expiry_points=standing.next_expiry_points),
                         journey=journey_body(member, currency))


def _shop_money(amount: Decimal, currency: str) -> shape.Money:
    return shape.Money(amount=format(amount, ".2f"), currency=currency)


def journey_body(member: Member, currency: str) -> shape.Journey:
    """Stage and state, with the RFM scores and the model's predictions of the last nightly run (rounded)."""
    journey, rfm, p = member.current_journey(), member.rfm, member.prediction
    return shape.Journey(
        stage=journey.stage.value, state=journey.state.value if journey.state else None,
        stage_since=journey.stage_since.isoformat(),
        rfm=shape.Rfm(recency=rfm.recency, frequency=rfm.frequency, monetary=rfm.monetary, segment=rfm.segment,
                      previous_segment=rfm.previous_segment) if rfm else None,
        predictions=shape.Predictions(
            p_alive=round(p.p_alive, 4), expected_orders_365d=round(p.expected_orders_365d, 2),
            predicted_clv_365d=_shop_money(p.predicted_clv_365d, currency),
            expected_next_order_at=_time(p.expected_next_order_at)) if p else None)


TimelineItem = shape.LedgerEvent | shape.MessageEvent | shape.MemberEvent


def timeline_body(at: datetime, item: LedgerEntry | Message | MemberEvent) -> TimelineItem:
    if isinstance(item, Message):
        return shape.MessageEvent(at=at.isoformat(), message=message_body(item))
    if isinstance(item, LedgerEntry):
        return shape.LedgerEvent(at=at.isoformat(), entry=entry_body(item))
    return shape.MemberEvent(at=at.isoformat(), event=member_event_body(item))


EventBody = (shape.TierChanged | shape.JourneyChanged | shape.FeedbackAnswered | shape.LinkClicked | shape.MailDelivered
             | shape.MailOpened)


def member_event_body(event: MemberEvent) -> EventBody:
    if isinstance(event, LinkClicked | MailDelivered | MailOpened):
        return engagement_body(event)
    if isinstance(event, TierChanged):
        return shape.TierChanged(at=event.at.isoformat(), from_tier=event.from_tier, to_tier=event.to_tier)
    if isinstance(event, FeedbackAnswered):
        return shape.FeedbackAnswered(at=event.at.isoformat(), survey_id=event.survey_id,
                                      survey_kind=cast(Any, event.survey_kind), score=event.score,
                                      response_id=event.response_id)
    return shape.JourneyChanged(at=event.at.isoformat(), changes=[
        shape.JourneyChange(kind=cast(Any, c.kind), from_=c.old, to=c.new, at=c.at.isoformat(), cause=c.cause.value)
        for c in event.changes])                   # a change's kind is "stage" or "state" (domain/journey.py)


def engagement_body(event: LinkClicked | MailDelivered | MailOpened) -> EventBody:
    if isinstance(event, LinkClicked):
        return shape.LinkClicked(at=event.at.isoformat(), message_id=event.message_id, url_host=event.url_host,
                                 url_path=event.url_path, campaign_id=event.campaign_id,
                                 likely_scanner=event.likely_scanner, clicks=event.clicks)
    mail = shape.MailDelivered if isinstance(event, MailDelivered) else shape.MailOpened
    return mail(at=event.at.isoformat(), message_id=event.message_id, message_kind=event.message_kind)


def connectors_body(overview: dict[str, Any]) -> shape.Connectors:
    """Each connector's overview (services/crm_admin.py), held to its shape."""
    return msgspec.convert({"connectors": overview}, shape.Connectors)


def sync_status_body(status: ConnectorStatus) -> shape.SyncStatus:
    return shape.SyncStatus(status=cast(Any, status.status), at=_time(status.at), error=status.error,
                            attempts=status.attempts)     # the store holds only the statuses the shape names


def parked_body(program_id: str, item: DueFailure) -> shape.ParkedItem:
    return shape.ParkedItem(program_id=program_id, task=item.task, ref=item.ref, due_at=item.due_at.isoformat(),
                            attempts=item.attempts, first_failed_at=item.first_failed_at.isoformat(),
                            last_failed_at=item.last_failed_at.isoformat(), parked_at=_time(item.parked_at),
                            error=item.error)


def refused_body(item: RefusedDelivery) -> shape.RefusedDelivery:
    return shape.RefusedDelivery(source=item.source, topic=item.topic, webhook_id=item.webhook_id,
                                 received_at=item.received_at.isoformat(), refused_at=item.refused_at.isoformat(),
                                 reason=item.reason)


def repair_body(item: Repair) -> shape.Repair:
    return shape.Repair(source=item.source, ref=item.ref, facts=list(item.facts),  # type: ignore[arg-type]
                        member_id=item.member_id, points=item.points, repaired_at=item.repaired_at.isoformat())


def reconciliation_body(states: Sequence[SourceState]) -> shape.Reconciliation:
    def run(r: RunRecord | None) -> shape.ReconciliationRun | None:
        return None if r is None else shape.ReconciliationRun(
            started_at=r.started_at.isoformat(), since=r.since.isoformat(), until=r.until.isoformat(),
            scanned=r.scanned, repaired=r.repaired, refused=r.refused, failed=r.failed, complete=r.complete)
    return shape.Reconciliation([shape.ReconciliationSource(source=s.source,  # type: ignore[arg-type]
                                                            watermark=_time(s.watermark), last_run=run(s.last_run))
                                 for s in states])


def report_body(report: DryRunReport) -> shape.DryRunReport:
    return shape.DryRunReport(
        orders=report.orders, actual_points=report.actual_points, proposed_points=report.proposed_points,
        difference=report.difference, truncated=report.next_cursor is not None, next=report.next_cursor,
        by_tier={tier: shape.TierFigures(**figures) for tier, figures in report.by_tier.items()},
        sample=[shape.OrderComparison(order_id=r.order_id, paid_at=r.paid_at.isoformat(), base_amount=r.base_amount,
                                      tier=r.tier, actual_points=r.actual_points, proposed_points=r.proposed_points)
                for r in report.sample],
        notes=list(report.notes))
