"""What the journey routes answer: the program's fitted customer model and its segments (built in web/journey_wire.py).
"""
from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct, field

from chalicelib.web.shapes.responses import Day, Next, Time
from chalicelib.web.shapes.segments import HubSpotList


class BgNbd(Struct):
    """BG/NBD (Fader, Hardie and Lee 2005): purchase rates Gamma(r, alpha), drop-out probabilities Beta(a, b)."""

    r: float
    alpha: Annotated[float, Meta(description="per week")]
    a: float
    b: float
    time_unit: Literal["week"] = "week"


class GammaGamma(Struct):
    """Gamma-Gamma spend model: values Gamma(p, ν), ν ~ Gamma(q, gamma), in the shop's currency."""

    p: float
    q: float
    gamma: float


class JourneyModel(Struct, kw_only=True):
    status: Literal["fitted", "insufficient_data"]
    as_of: Time
    customers: Annotated[int, Meta(description="members with a purchase day by as_of's date")]
    repeat_customers: Annotated[int, Meta(description="of them, members with purchase days on two dates or more")]
    bg_nbd: BgNbd | None
    gamma_gamma: GammaGamma | None
    reason: Annotated[str | None, Meta(description="why the data was insufficient (too_few_customers, "
                                                   "too_short_history, too_few_repeat_customers, did_not_converge, "
                                                   "spend_mean_undefined); null when fitted")]


class Segment(Struct):
    name: Annotated[str, Meta(description="<kind>:<value>, e.g. stage:loyal, state:at_risk, rfm:champions; a custom "
                                          "segment's own name")]
    kind: Literal["stage", "state", "rfm", "custom"]
    members: Annotated[int, Meta(description="members in the segment as of the last completed nightly run")]
    hubspot_list: Annotated[HubSpotList | None, Meta(description=(
        "the segment's HubSpot static list (PUT /admin/segments/{name}/hubspot-list); null when not mirrored"))] = None


class Segments(Struct, kw_only=True):
    as_of: Annotated[Time | None, Meta(description="the last completed nightly run; null before the first")]
    segments: list[Segment]


class SegmentMembers(Struct, kw_only=True):
    members: Annotated[list[str], Meta(description="member ids; a page may hold fewer than asked, even none, "
                                                   "while `next` is set: keep paging")]
    next: Next


Stage = Literal["prospect", "first_time", "repeat", "loyal"]
State = Literal["active", "at_risk", "lapsed", "won_back"]


class JourneyCell(Struct):
    stage: Stage
    state: Annotated[State | None, Meta(description="null: no purchase day yet")]
    members: int


class JourneyMove(Struct):
    kind: Literal["stage", "state"]
    from_: Annotated[str | None, Meta(description="the stage or state the previous run saw")] = field(name="from")
    to: str | None
    members: int


class StageDwell(Struct):
    stage: Stage
    members: int
    median_weeks: Annotated[int | None, Meta(description="median whole weeks since the members entered the stage")]


class Reach(Struct):
    members: int
    moved_forward: Annotated[int, Meta(description="of them, members who entered a later stage within the window")]


class MessageReach(Struct):
    kind: Annotated[str, Meta(description="the message kind, e.g. review_request, points_earned")]
    members: Annotated[int, Meta(description="members sent this kind within the window")]
    moved_forward: int


class StageTouchpoints(Struct, kw_only=True):
    stage: Stage
    window_days: Annotated[int, Meta(description="the touch window: a member's first days in the stage")]
    entered: Annotated[Reach, Meta(description="members whose first window_days in the stage ended in the period")]
    messages: list[MessageReach]
    no_message: Annotated[Reach, Meta(description="those of them sent no message within the window")]


class JourneyPeriod(Struct):
    from_: Day = field(name="from")
    to: Day
    runs: Annotated[int, Meta(description="completed nightly runs in the period (their moves are summed)")]


class JourneyMap(Struct, kw_only=True):
    as_of: Annotated[Time | None, Meta(description="the last completed nightly run; null before the first")]
    members: Annotated[list[JourneyCell], Meta(description="members per stage and state at that run")]
    moves: Annotated[list[JourneyMove], Meta(description=(
        "members whose stage or state differed from what the previous run saw, summed over the period's runs"))]
    time_in_stage: list[StageDwell]
    touchpoints: Annotated[list[StageTouchpoints], Meta(description=(
        "per stage with a next one: the members whose touch window ended in the period, whether they moved forward "
        "within it, by the kinds of message they were sent in it and without any"))]
    period: JourneyPeriod
