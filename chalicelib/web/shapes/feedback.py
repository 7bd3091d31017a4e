"""What the feedback routes answer: survey answers and their summary per group (built in web/admin_feedback.py)."""
from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct

from chalicelib.web.shapes.responses import Day, Next, Time

Percent = Annotated[float | None, Meta(description="a percentage with one decimal; null without answers of the kind")]


class FeedbackResponse(Struct, kw_only=True):
    response_id: Annotated[str, Meta(description="one per survey: answering again changes it")]
    member_id: str
    kind: Literal["nps_survey", "csat_survey"]
    score: Annotated[int, Meta(ge=0, le=10, description="NPS 0–10, CSAT 1–5")]
    comment: Annotated[str | None, Meta(description="null without one, or once the member was erased")]
    sentiment: Annotated[Annotated[float, Meta(ge=-1, le=1)] | None, Meta(description=(
        "VADER compound score of the comment, −1 to 1: a rough signal, never a trigger; null without a comment"))]
    answered_at: Annotated[Time, Meta(description="the latest answer's time")]
    trigger: Annotated[str, Meta(description="what asked: after_delivery, after_orders, on_stage, ticket_closed")]


class FeedbackResponses(Struct, kw_only=True):
    responses: Annotated[list[FeedbackResponse], Meta(description=(
        "newest survey first; a page may hold fewer than asked, even none, while `next` is set: keep paging"))]
    next: Next


class FeedbackGroup(Struct, kw_only=True):
    key: Annotated[str, Meta(description="`all` (every survey of the period), else the stage, RFM segment "
                                         "(`unscored` before a nightly run) or tier the survey was sent in")]
    nps: Annotated[float | None, Meta(description="% promoters (9–10) − % detractors (0–6), −100 to 100, one decimal; "
                                                  "null without NPS answers")]
    csat: Annotated[Percent, Meta(description="% of CSAT answers that are 4 or 5")]
    responses: Annotated[int, Meta(description="surveys sent in the period that were answered")]
    surveys_delivered: Annotated[int, Meta(description="surveys sent in the period")]
    response_rate: Annotated[float | None, Meta(description="responses ÷ surveys_delivered, 0–1, four decimals")]
    mean_sentiment: Annotated[float | None, Meta(description="mean VADER compound of the answers' comments")]


class FeedbackSummary(Struct, kw_only=True):
    period_from: Annotated[Day, Meta(description="the first day of the period (UTC)")]
    period_to: Annotated[Day, Meta(description="the last day of the period (UTC), inclusive")]
    by: Literal["stage", "segment", "tier"] | None
    groups: list[FeedbackGroup]
