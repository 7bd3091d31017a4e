"""What the admin API answers: every JSON body a route returns is one of these (built in web/wire.py).

Times are ISO-8601 strings with the offset as stored (`datetime.isoformat()`), money a decimal string.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal, TypeAlias

from msgspec import UNSET, Meta, Struct, UnsetType, field

from chalicelib.domain import messages, redemptions
from chalicelib.domain.journey import Cause, Stage, State
from chalicelib.domain.ledger import EntryKind
from chalicelib.domain.rfm import Segment
from chalicelib.services.dry_run import SAMPLE_SIZE

Time = Annotated[str, Meta(extra_json_schema={"format": "date-time"})]
Day = Annotated[str, Meta(extra_json_schema={"format": "date"})]
Next = Annotated[str | None, Meta(description="the cursor of the next page; null on the last")]


class Money(Struct):
    amount: str
    currency: str


class Member(Struct, kw_only=True):
    member_id: str
    email: str | None
    first_name: str | None
    points_balance: int
    pending_points: int
    lifetime_points: int
    tier: str
    identities: list[str]
    email_consent: str | None
    consent_updated_at: Time | None
    erased_at: Time | None
    unsubscribed: Annotated[list[str], Meta(description="mail categories left through our unsubscribe links")]
    unsubscribed_at: Time | None
    hard_bounced: Annotated[bool, Meta(description="no mail: the address bounced")]
    complained: Annotated[bool, Meta(description="account mail only: a complaint about our mail")]
    merged_into: Annotated[str | None, Meta(description="this member turned out to be that one: all moved there")]
    merged_from: Annotated[list[str], Meta(description="members found to be the same person, merged into this")]
    created_at: Time
    updated_at: Time


StageName: TypeAlias = Literal[tuple(stage.value for stage in Stage)]            # type: ignore[valid-type]
StateName: TypeAlias = Literal[tuple(state.value for state in State)]            # type: ignore[valid-type]
SegmentName: TypeAlias = Literal[tuple(segment.value for segment in Segment)]    # type: ignore[valid-type]
Score = Annotated[int, Meta(ge=1, le=5)]


class Rfm(Struct, kw_only=True):
    """Scores over the program's customers with an order, 5 = best, from the last nightly run."""

    recency: Annotated[Score, Meta(description="5: among the most recent last orders")]
    frequency: Annotated[Score, Meta(description="5: among the most orders")]
    monetary: Annotated[Score, Meta(description="5: among the highest spend")]
    segment: SegmentName
    previous_segment: Annotated[SegmentName | None, Meta(description="the segment of the run before; null at first")]


class Predictions(Struct, kw_only=True):
    """The program's fitted purchase model (BG/NBD and Gamma-Gamma) applied to the member by the last nightly run."""

    p_alive: Annotated[float, Meta(ge=0, le=1, description="the probability that the customer still buys, "
                                                           "rounded to 4 decimals")]
    expected_orders_365d: Annotated[float, Meta(ge=0, description="orders expected in the next 365 days, "
                                                                  "rounded to 2 decimals")]
    predicted_clv_365d: Money
    expected_next_order_at: Annotated[Time | None, Meta(description="null when no order is expected")]


class Journey(Struct, kw_only=True):
    stage: Annotated[StageName, Meta(description="prospect (no order yet), first_time, repeat or loyal; only forward")]
    state: Annotated[StateName | None, Meta(description="active, at_risk, lapsed or won_back; null for a prospect")]
    stage_since: Time
    rfm: Annotated[Rfm | None, Meta(description="null before the first nightly run after the first order")]
    predictions: Annotated[Predictions | None, Meta(description="null while the program has no fitted model")]


class Standing(Struct, kw_only=True):
    qualifying_spend: Money | None
    next_tier: str | None
    spend_to_next_tier: Money | None
    spend_to_keep_tier: Money | None
    tier_review_at: Time | None
    next_expiry_at: Time | None
    next_expiry_points: int


class Profile(Member, kw_only=True):
    birthday: Day | None
    standing: Standing
    journey: Journey


class Members(Struct):
    members: list[Member]


class Entry(Struct, kw_only=True):
    entry_id: str
    kind: Literal[tuple(kind.value for kind in EntryKind)]                 # type: ignore[valid-type]
    points: int
    pending_points: int
    occurred_at: Time
    recorded_at: Time
    source: dict[str, Any]
    base_amount: Money | None
    presentment_amount: Money | None
    rule_version: str | None
    reason: str | None


class Ledger(Struct):
    entries: list[Entry]
    next: Next


class Message(Struct, kw_only=True):
    message_id: str
    kind: str
    category: str
    status: Literal[messages.SCHEDULED, messages.SENDING, messages.SENT, messages.SKIPPED,  # type: ignore[valid-type]
                    messages.DEFERRED, messages.FAILED]
    due_at: Time
    reason: str | None
    ses_message_id: str | None
    attempts: int
    created_at: Time | None
    updated_at: Time | None
    sent_at: Time | None = None
    delivered_at: Annotated[Time | None, Meta(description="SES's first delivery event for it")] = None
    opened_at: Annotated[Time | None, Meta(description="SES's first open event for it (images loaded)")] = None


class Messages(Struct):
    messages: list[Message]


class Preview(Struct):
    kind: str | None
    subject: str
    html: str
    text: str


class LedgerEvent(Struct, tag_field="type", tag="ledger"):
    at: Time
    entry: Entry


class MessageEvent(Struct, tag_field="type", tag="message"):
    at: Time
    message: Message


class JourneyChange(Struct, kw_only=True):
    kind: Literal["stage", "state"]
    from_: Annotated[str | None, Meta(description="the stage or state before; null for the first state")] = field(
        name="from")
    to: str
    at: Time
    cause: Literal[tuple(cause.value for cause in Cause)]                # type: ignore[valid-type]


class TierChanged(Struct, kw_only=True, tag_field="kind", tag="tier_changed"):
    at: Time
    from_tier: str
    to_tier: str


class JourneyChanged(Struct, kw_only=True, tag_field="kind", tag="journey_changed"):
    at: Time
    changes: list[JourneyChange]


class FeedbackAnswered(Struct, kw_only=True, tag_field="kind", tag="feedback_answered"):
    at: Annotated[Time, Meta(description="when the survey was (last) answered")]
    survey_id: str
    survey_kind: Literal["nps_survey", "csat_survey"]
    score: int
    response_id: Annotated[str, Meta(description="the answer in GET /admin/feedback")]


class LinkClicked(Struct, kw_only=True, tag_field="kind", tag="link_clicked"):
    at: Annotated[Time, Meta(description="the first click on this link of the message")]
    message_id: str
    url_host: str
    url_path: str
    campaign_id: str | None
    likely_scanner: Annotated[bool, Meta(description="within seconds of sending or delivery: a link scanner, likely")]
    clicks: int


class MailDelivered(Struct, kw_only=True, tag_field="kind", tag="mail_delivered"):
    at: Time
    message_id: str
    message_kind: str | None


class MailOpened(Struct, kw_only=True, tag_field="kind", tag="mail_opened"):
    at: Annotated[Time, Meta(description="the first open (SES open tracking)")]
    message_id: str
    message_kind: str | None


class MemberEvent(Struct, tag_field="type", tag="event"):
    at: Time
    event: TierChanged | JourneyChanged | FeedbackAnswered | LinkClicked | MailDelivered | MailOpened


class Timeline(Struct):
    events: list[LedgerEvent | MessageEvent | MemberEvent]
    next: Next


class Reward(Struct, kw_only=True):
    reward_id: str
    name: str
    kind: str
    value: str | None
    points_cost: int
    minimum_subtotal: str | None
    validity_days: int | None
    active: bool
    created_at: Time


class Rewards(Struct):
    rewards: list[Reward]


class ReviewRecorded(Struct):
    order_id: str
    recorded: bool


class Redemption(Struct, kw_only=True):
    redemption_id: str
    member_id: str
    reward_id: str
    reward_name: str
    kind: str
    value: str | None
    points: int
    code: str
    status: Literal[redemptions.PENDING, redemptions.REGISTERED,  # type: ignore[valid-type]
                    redemptions.NOT_REGISTERED, redemptions.FAILED]
    created_at: Time
    expires_at: Time | None
    attempts: int
    shopify_discount_id: str | None
    last_error: str | None
    next_attempt_at: Time | None


class Redemptions(Struct):
    redemptions: list[Redemption]


class ApiKey(Struct, kw_only=True):
    key_id: str
    name: str
    scopes: list[str]
    created_at: Time | None
    created_by: str | None
    revoked_at: Time | None


class CreatedApiKey(ApiKey, kw_only=True):
    key: Annotated[str, Meta(description="the key itself, shown in this answer only")]


class ApiKeys(Struct):
    api_keys: list[ApiKey]


class AuditRecord(Struct, kw_only=True):
    audit_id: str
    key_id: str
    at: Time
    action: str
    target: str
    before: Any
    after: Any
    reason: str | None


class Audit(Struct):
    records: list[AuditRecord]
    next: Next


class DataRequest(Struct, kw_only=True):
    request_id: str
    member_id: str
    shop: str
    customer_id: str
    orders_requested: list[str]
    received_at: Time


class DataRequests(Struct):
    data_requests: list[DataRequest]


class Fulfillment(Struct, kw_only=True):
    fulfillment_id: str
    status: str | None
    shipment_status: str | None
    created_at: Time | None
    delivered_at: Time | None


class Order(Struct, kw_only=True):
    shop: str
    order_id: str
    points_earned: int
    base_amount: Money | None
    rule_version: str | None
    points_reversed: int
    points_expired: int
    refund_ids: list[str]
    cancelled_at: Time | None
    fulfillments: list[Fulfillment]


class DataExport(Struct, kw_only=True):
    request: DataRequest
    member: Member | None
    entries: list[Entry]
    next: Next
    orders: list[Order]


class Connector(Struct, kw_only=True):
    status: str
    configured: bool
    properties_ready: bool | UnsetType = UNSET
    paused_until: Time | UnsetType | None = UNSET
    shop: str | UnsetType | None = UNSET


class Connectors(Struct):
    connectors: dict[str, Connector]


class SyncStatus(Struct, kw_only=True):
    status: Literal["ok", "failed", "skipped", "not configured", "pending", "never synced"]
    at: Time | None
    error: str | None
    attempts: int


class MemberSync(Struct, kw_only=True):
    member_id: str
    due_at: Time | None
    connectors: dict[str, SyncStatus]


class ParkedItem(Struct, kw_only=True):
    program_id: str
    task: str
    ref: str
    due_at: Time
    attempts: int
    first_failed_at: Time
    last_failed_at: Time
    parked_at: Time | None
    error: str


class ParkedItems(Struct):
    parked: list[ParkedItem]


class RefusedDelivery(Struct, kw_only=True):
    source: str
    topic: str
    webhook_id: str
    received_at: Time
    refused_at: Time
    reason: str


class RefusedDeliveries(Struct):
    refused: list[RefusedDelivery]
    next: Next


class Repair(Struct, kw_only=True):
    source: Literal["shopify", "hubspot"]
    ref: Annotated[str, Meta(description="the Shopify order id, or the HubSpot contact id")]
    facts: Annotated[list[str], Meta(description="what the ledger lacked: paid, cancelled, refund:<id>, contact")]
    member_id: str | None
    points: Annotated[int, Meta(description="points the repair added (negative: taken back)")]
    repaired_at: Time


class Repairs(Struct):
    repaired: list[Repair]
    next: Next


class ReconciliationRun(Struct, kw_only=True):
    started_at: Time
    since: Time
    until: Time
    scanned: int
    repaired: int
    refused: int
    failed: int
    complete: Annotated[bool, Meta(description="false: the window was not read to its end; the next run resumes")]


class ReconciliationSource(Struct, kw_only=True):
    source: Literal["shopify", "hubspot"]
    watermark: Annotated[Time | None, Meta(description="the next run reads from here, less the overlap")]
    last_run: ReconciliationRun | None


class Reconciliation(Struct):
    sources: list[ReconciliationSource]


class OrderComparison(Struct, kw_only=True):
    order_id: str
    paid_at: Time
    base_amount: str
    tier: str
    actual_points: int
    proposed_points: int


class TierFigures(Struct, kw_only=True):
    orders: int
    actual_points: int
    proposed_points: int


class DryRunReport(Struct, kw_only=True):
    orders: int
    actual_points: int
    proposed_points: int
    difference: int
    truncated: bool
    next: Next
    by_tier: dict[str, TierFigures]
    sample: Annotated[list[OrderComparison], Meta(max_length=SAMPLE_SIZE)]
    notes: list[str]


class Problem(Struct):
    code: Annotated[str, Meta(pattern="^[a-z][a-z0-9_]*$")]
    message: str


class Error(Struct):
    """Every refusal (web/errors.py)."""

    error: Problem
