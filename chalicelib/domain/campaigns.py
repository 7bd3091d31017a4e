"""Campaigns: who enters (an audience and a trigger), what happens to them (steps), and what counts as success (a goal).

A definition, as the admin API takes it:

    {"name": "Win-back", "description": "optional",
     "audience": {"segment": "state:at_risk"} | {"match": <segment predicate>} | {} (everyone),
     "trigger": {"type": "audience" | "first_order" | "birthday" | "anniversary"},
     "steps": [{"id": "s1", "type": "send", "subject": ..., "blocks": [...], "cta": {...}}, ...],
     "goal": {"order_within_days": 14},
     "holdout_percent": 10, "reentry": {"after_days": 180} | {"never": true}, "stop_on_order": true}

Steps run in order; `split` and `wait_until` may jump forward to a later step's id or to "exit" (never back, so a
member cannot loop). Types:

- `wait` {"days", "hours"}: go on after that long;
- `wait_until` {"event": "click" | "order", "timeout_days", "on_timeout": id | "exit" | null}: go on when the member
  clicks a link of this campaign's mail (or orders) after the step began, else after the timeout at `on_timeout`
  (null: the next step);
- `split` {"match": <segment predicate>, "then": id | "exit", "else": id | "exit" | null}: members who match go to
  `then`, the others to `else` (null: the next step);
- `send` {"subject", "preheader", "blocks", "cta"}: a marketing message (every gate applies when it is sent);
- `grant` {"offer": <offer>}: bonus points, a points multiplier for a window, a reward code, a Shopify customer tag
  (domain/offers.py);
- `exit`: the member leaves the campaign.

Entry (`entry_time`): each nightly run looks at every member once. `audience` enters a member who is in the audience
and may enter (never entered; or re-entry allowed and the last entry old enough); `first_order` one whose first
purchase day fell since the previous run; `birthday` / `anniversary` one whose birthday / membership anniversary fell
since the previous run, in the program's time zone, once a year. A held-out member (domain/holdout.py) enters, is
recorded and walks the steps, but gets no message and no offer.

Everything here takes time from its caller.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain import holdout, segment_rules
from chalicelib.domain.journey import Stage, State
from chalicelib.domain.ledger import Member
from chalicelib.domain.rfm import Segment

DRAFT, ACTIVE, PAUSED = "draft", "active", "paused"
AUDIENCE, FIRST_ORDER, BIRTHDAY, ANNIVERSARY = "audience", "first_order", "birthday", "anniversary"
TRIGGERS = (AUDIENCE, FIRST_ORDER, BIRTHDAY, ANNIVERSARY)
WAIT, WAIT_UNTIL, SPLIT, SEND, GRANT, EXIT = "wait", "wait_until", "split", "send", "grant", "exit"
STEP_TYPES = (WAIT, WAIT_UNTIL, SPLIT, SEND, GRANT, EXIT)
CLICK, ORDER = "click", "order"
EXIT_TARGET = "exit"
MAX_STEPS = 30
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
YEARLY_GAP = timedelta(days=300)         # a birthday or anniversary campaign enters a member at most this often
DEFAULT_HOLDOUT = 10
DEFAULT_GOAL_DAYS = 14
NAME_LENGTH = 100
STEP_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
# enrollment statuses: walking the steps, or finished and why
WALKING, FINISHED, STOPPED_ON_ORDER, EXITED = "active", "finished", "stopped_on_order", "exited"

ContentCheck = Callable[[Any, Any, Any, str], list[str]]     # (subject, blocks, cta, at) → problems
OfferCheck = Callable[[Any, str], tuple[Any, list[str]]]     # (raw offer, at) → (offer, problems)


@dataclass(frozen=True)
class Step:
    id: str
    type: str
    spec: Mapping[str, Any]            # the step's own fields, as validated (JSON values; an offer as its JSON)

    def duration(self) -> timedelta:
        return timedelta(days=int(self.spec.get("days", 0)), hours=int(self.spec.get("hours", 0)))

    def timeout(self) -> timedelta:
        return timedelta(days=int(self.spec["timeout_days"]))


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    name: str
    audience: Mapping[str, Any]        # {} | {"segment": name} | {"match": predicate}
    trigger: str
    steps: tuple[Step, ...]
    goal_days: int = DEFAULT_GOAL_DAYS
    holdout_percent: int = DEFAULT_HOLDOUT
    reentry_days: int | None = None    # None: never enters again
    stop_on_order: bool = True
    description: str = ""
    status: str = DRAFT
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None
    activated_at: datetime | None = None
    template: str | None = None        # the built-in journey it started from

    def index_of(self, step_id: str) -> int:
        """A step's position; a jump to "exit" is past the last step."""
        if step_id == EXIT_TARGET:
            return len(self.steps)
        return next(i for i, s in enumerate(self.steps) if s.id == step_id)

    def definition(self) -> dict[str, Any]:
        """The definition as the admin API takes it (what a merchant edits)."""
        return {"name": self.name, "description": self.description, "audience": dict(self.audience),
                "trigger": {"type": self.trigger},
                "steps": [{"id": s.id, "type": s.type, **s.spec} for s in self.steps],
                "goal": {"order_within_days": self.goal_days}, "holdout_percent": self.holdout_percent,
                "reentry": {"never": True} if self.reentry_days is None else {"after_days": self.reentry_days},
                "stop_on_order": self.stop_on_order}


def parse_definition(raw: Any, campaign_id: str, content: ContentCheck, offer: OfferCheck,
                     custom_segments: Sequence[str] = (),
                     hubspot_synced: Sequence[str] = ()) -> tuple[Campaign | None, list[str]]:
    """A campaign from its JSON definition, or every problem found, each with its field path."""
    if not isinstance(raw, dict):
        return None, ["body: a JSON object with name, audience, trigger and steps"]
    problems: list[str] = []
    known = {"name", "description", "audience", "trigger", "steps", "goal", "holdout_percent", "reentry",
             "stop_on_order", "template"}
    problems += [f"{k}: not a campaign field (one of {', '.join(sorted(known))})" for k in raw if k not in known]
    name = raw.get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= NAME_LENGTH:
        problems.append(f"name: a string of 1 to {NAME_LENGTH} characters")
    description = raw.get("description", "")
    if not isinstance(description, str) or len(description) > 500:
        problems.append("description: a string of at most 500 characters")
    audience = raw.get("audience", {})
    problems += _audience_problems(audience, custom_segments, hubspot_synced)
    trigger = (raw.get("trigger") or {}).get("type", AUDIENCE) if isinstance(raw.get("trigger", {}), dict) else None
    if trigger not in TRIGGERS:
        problems.append(f"trigger.type: one of {', '.join(TRIGGERS)}")
    goal = raw.get("goal", {"order_within_days": DEFAULT_GOAL_DAYS})
    goal_days = goal.get("order_within_days") if isinstance(goal, dict) else None
    if not _int_in(goal_days, 1, 365) or (isinstance(goal, dict) and set(goal) - {"order_within_days"}):
        problems.append("goal: {\"order_within_days\": an integer from 1 to 365}")
    share = raw.get("holdout_percent", DEFAULT_HOLDOUT)
    if not _int_in(share, 0, 50):
        problems.append("holdout_percent: an integer from 0 to 50")
    reentry_days, reentry_problem = _reentry(raw.get("reentry", {"never": True}))
    problems += reentry_problem
    stop = raw.get("stop_on_order", True)
    if not isinstance(stop, bool):
        problems.append("stop_on_order: true or false")
    steps = _steps(raw.get("steps"), content, offer, hubspot_synced, problems)
    if trigger in (BIRTHDAY, ANNIVERSARY) and reentry_days is not None and reentry_days < 300:
        problems.append("reentry.after_days: a birthday or anniversary campaign enters a member once a year "
                        "(leave reentry out, or at least 300 days)")
    if problems:
        return None, problems
    return Campaign(campaign_id=campaign_id, name=str(name).strip(), description=str(description),
                    audience=dict(audience), trigger=str(trigger), steps=steps, goal_days=int(goal_days or 0),
                    holdout_percent=int(share), reentry_days=reentry_days, stop_on_order=bool(stop),
                    template=raw.get("template") if isinstance(raw.get("template"), str) else None), []


def _int_in(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _reentry(raw: Any) -> tuple[int | None, list[str]]:
    wanted = 'reentry: {"never": true} or {"after_days": an integer from 1 to 3650}'
    if isinstance(raw, dict) and set(raw) == {"never"} and raw["never"] is True:
        return None, []
    if isinstance(raw, dict) and set(raw) == {"after_days"} and _int_in(raw["after_days"], 1, 3650):
        return int(raw["after_days"]), []
    return None, [wanted]


BUILT_IN_AUDIENCES: dict[str, dict[str, Any]] = {
    **{f"stage:{s}": {"field": "stage", "op": "eq", "value": str(s)} for s in Stage},
    **{f"state:{s}": {"field": "state", "op": "eq", "value": str(s)} for s in State},
    **{f"rfm:{s}": {"field": "rfm_segment", "op": "eq", "value": str(s)} for s in Segment},
}


def _audience_problems(audience: Any, custom: Sequence[str], synced: Sequence[str]) -> list[str]:
    wanted = ('audience: {} (every member), {"segment": a built-in segment such as "state:at_risk" or a custom '
              'segment\'s name} or {"match": a segment predicate}')
    if audience == {}:
        return []
    if not isinstance(audience, dict) or len(audience) != 1:
        return [wanted]
    if "segment" in audience:
        name = audience["segment"]
        if isinstance(name, str) and (name in BUILT_IN_AUDIENCES or name in custom):
            return []
        return [f"audience.segment: {name!r} is no segment: a built-in one ({', '.join(BUILT_IN_AUDIENCES)}) or one "
                f"of the program's custom segments ({', '.join(custom) or 'none defined'})"]
    if "match" in audience:
        return _predicate_problems(audience["match"], "audience.match", synced)
    return [wanted]


def _predicate_problems(predicate: Any, at: str, synced: Sequence[str]) -> list[str]:
    return segment_rules.predicate_problems(predicate, at) + segment_rules.unsynced_problems(predicate, synced, at)


def _steps(raw: Any, content: ContentCheck, offer: OfferCheck, synced: Sequence[str],
           problems: list[str]) -> tuple[Step, ...]:
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_STEPS:
        problems.append(f"steps: a list of 1 to {MAX_STEPS} steps")
        return ()
    ids = [s.get("id") if isinstance(s, dict) else None for s in raw]
    steps: list[Step] = []
    for i, item in enumerate(raw):
        at = f"steps[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{at}: an object with id and type")
            continue
        step_id, kind = item.get("id"), item.get("type")
        if not isinstance(step_id, str) or not STEP_ID.fullmatch(step_id) or step_id == EXIT_TARGET:
            problems.append(f"{at}.id: 1 to 32 characters (a-z, 0-9, _ and -), not \"exit\"")
        elif ids.count(step_id) > 1:
            problems.append(f"{at}.id: {step_id!r} names two steps")
        if kind not in STEP_TYPES:
            problems.append(f"{at}.type: one of {', '.join(STEP_TYPES)}")
            continue
        spec = {k: v for k, v in item.items() if k not in ("id", "type")}
        found = _step_problems(kind, spec, at, content, offer, synced)
        found += _jump_problems(kind, spec, at, i, ids)
        problems += found
        if not found and isinstance(step_id, str):
            steps.append(Step(step_id, kind, spec))
    return tuple(steps)


_STEP_FIELDS: dict[str, set[str]] = {
    WAIT: {"days", "hours"}, WAIT_UNTIL: {"event", "timeout_days", "on_timeout"},
    SPLIT: {"match", "then", "else"}, SEND: {"subject", "preheader", "blocks", "cta"}, GRANT: {"offer"}, EXIT: set()}


def _step_problems(kind: str, spec: dict[str, Any], at: str, content: ContentCheck, offer: OfferCheck,
                   synced: Sequence[str]) -> list[str]:
    found = [f"{at}.{k}: not a field of a {kind} step (fields: {', '.join(sorted(_STEP_FIELDS[kind])) or 'none'})"
             for k in spec if k not in _STEP_FIELDS[kind]]
    check = _CHECKS.get(kind)
    return found + (check(spec, at, content, offer, synced) if check else [])


def _wait_problems(spec: dict[str, Any], at: str, *_: Any) -> list[str]:
    days, hours = spec.get("days", 0), spec.get("hours", 0)
    if not _int_in(days, 0, 365) or not _int_in(hours, 0, 23) or days == hours == 0:
        return [f"{at}: days (0 to 365) and hours (0 to 23), not both 0"]
    return []


def _wait_until_problems(spec: dict[str, Any], at: str, *_: Any) -> list[str]:
    found = [] if spec.get("event") in (CLICK, ORDER) else [f"{at}.event: click or order"]
    if not _int_in(spec.get("timeout_days"), 1, 365):
        found.append(f"{at}.timeout_days: an integer from 1 to 365")
    return found


def _split_problems(spec: dict[str, Any], at: str, content: ContentCheck, offer: OfferCheck,
                    synced: Sequence[str]) -> list[str]:
    found = _predicate_problems(spec.get("match"), f"{at}.match", synced)
    return found + ([] if "then" in spec else [f"{at}.then: the id of a later step, or \"exit\""])


def _send_problems(spec: dict[str, Any], at: str, content: ContentCheck, *_: Any) -> list[str]:
    found = content(spec.get("subject"), spec.get("blocks"), spec.get("cta"), at)
    preheader = spec.get("preheader")
    if preheader is not None and (not isinstance(preheader, str) or len(preheader) > 150):
        found.append(f"{at}.preheader: a string of at most 150 characters")
    return found


def _grant_problems(spec: dict[str, Any], at: str, content: ContentCheck, offer: OfferCheck, *_: Any) -> list[str]:
    return offer(spec.get("offer"), f"{at}.offer")[1]


_CHECKS: dict[str, Callable[..., list[str]]] = {WAIT: _wait_problems, WAIT_UNTIL: _wait_until_problems,
                                                SPLIT: _split_problems, SEND: _send_problems, GRANT: _grant_problems}


def _jump_problems(kind: str, spec: dict[str, Any], at: str, index: int, ids: list[Any]) -> list[str]:
    names = {SPLIT: ("then", "else"), WAIT_UNTIL: ("on_timeout",)}.get(kind, ())
    found = []
    for name in names:
        target = spec.get(name)
        if target is None and name != "then":
            continue
        if target == EXIT_TARGET:
            continue
        if target not in ids or ids.index(target) <= index:
            found.append(f"{at}.{name}: the id of a later step, or \"exit\" (steps never jump back)")
    return found


# ---------------------------------------------------------------- entry


def audience_predicate(campaign: Campaign, custom: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The audience as one segment predicate; None for everyone. A custom segment deleted since: nobody."""
    if "match" in campaign.audience:
        return campaign.audience["match"]
    name = campaign.audience.get("segment")
    if name is None:
        return None
    if name in BUILT_IN_AUDIENCES:
        return BUILT_IN_AUDIENCES[name]
    return custom.get(name, {"not": {"field": "stage", "op": "in", "value": [str(s) for s in Stage]}})


def in_audience(predicate: Mapping[str, Any] | None, view: segment_rules.MemberView, now: datetime) -> bool:
    return predicate is None or segment_rules.matches(predicate, view, now)


def entry_time(campaign: Campaign, predicate: Mapping[str, Any] | None, view: segment_rules.MemberView,
               since: datetime, now: datetime, zone: ZoneInfo) -> datetime | None:
    """`now` when the member enters the campaign at this run (the previous one ran at `since`), else None."""
    member = view.member
    if member.erased_at is not None or member.merged_into is not None or campaign.status != ACTIVE:
        return None
    last = member.campaigns.get(campaign.campaign_id)
    if campaign.trigger in (BIRTHDAY, ANNIVERSARY):
        if last is not None and now - last < YEARLY_GAP:
            return None                                       # once a year
    elif last is not None and (campaign.reentry_days is None or now - last < timedelta(days=campaign.reentry_days)):
        return None
    if not in_audience(predicate, view, now):
        return None
    if campaign.trigger == FIRST_ORDER:
        days = view.days(now)
        first_since = bool(days) and (days[0] > since.date() or (len(days) == 1 and _after_on_day(member, since)))
        return now if first_since else None
    if campaign.trigger in (BIRTHDAY, ANNIVERSARY):
        origin = member.birthday if campaign.trigger == BIRTHDAY else member.created_at.astimezone(zone).date()
        return now if origin is not None and _yearly_day_between(origin, since, now, zone,
                                                                 campaign.trigger == ANNIVERSARY) else None
    return now


def _yearly_day_between(origin: date, since: datetime, now: datetime, zone: ZoneInfo, skip_first: bool) -> bool:
    """Whether the yearly return of `origin` (29 February: the 28th in other years) falls on a local day after
    `since`'s and up to `now`'s (at most a year's worth of days is looked at)."""
    first, last = since.astimezone(zone).date() + timedelta(days=1), now.astimezone(zone).date()
    first = max(first, last - timedelta(days=366))
    day = first
    while day <= last:
        if _same_yearly_day(origin, day) and not (skip_first and day.year == origin.year):
            return True
        day += timedelta(days=1)
    return False


def _same_yearly_day(origin: date, day: date) -> bool:
    if (origin.month, origin.day) == (day.month, day.day):
        return True
    leap = day.year % 4 == 0 and (day.year % 100 != 0 or day.year % 400 == 0)
    return (origin.month, origin.day) == (2, 29) and not leap and (day.month, day.day) == (2, 28)


def is_held_out(program_id: str, member_id: str, campaign: Campaign) -> bool:
    return holdout.held_out(program_id, member_id, campaign.campaign_id, campaign.holdout_percent)


# ---------------------------------------------------------------- walking the steps


@dataclass(frozen=True)
class Enrollment:
    campaign_id: str
    member_id: str
    entered_at: datetime
    holdout: bool
    step: int = 0                      # the current step's index (len(steps): past the last)
    step_since: datetime | None = None  # when the current step began
    status: str = WALKING
    due_at: datetime | None = None     # when the campaign job looks at it again (None: finished)
    clicked_at: datetime | None = None  # the last click on a link of this campaign's mail
    sent: int = 0                      # messages created (the dispatcher's gates may still skip them)
    points_granted: int = 0
    offer_cost: Decimal = Decimal(0)   # money: the offers granted, points valued at the program's point value
    finished_at: datetime | None = None
    reason: str | None = None
    version: int = 0

    @property
    def ref(self) -> str:
        return enrollment_ref(self.campaign_id, self.member_id, self.entered_at)


def enrollment_ref(campaign_id: str, member_id: str, entered_at: datetime) -> str:
    return f"{campaign_id}/{member_id}/{(entered_at - EPOCH) // timedelta(microseconds=1)}"


_REF = re.compile(r"([^/]{1,200})/([^/]{1,200})/(0|[1-9][0-9]{0,17})")     # canonical digits: one ref per entry


def parse_ref(ref: str) -> tuple[str, str, datetime] | None:
    """The campaign, member and entry time a ref names (UTC); None for anything that is not a ref."""
    found = _REF.fullmatch(ref) if ref.isprintable() else None
    if found is None:
        return None
    try:
        return found[1], found[2], EPOCH + timedelta(microseconds=int(found[3]))
    except OverflowError:
        return None


def enter(campaign: Campaign, program_id: str, member_id: str, at: datetime) -> Enrollment:
    return Enrollment(campaign.campaign_id, member_id, at, is_held_out(program_id, member_id, campaign),
                      step_since=at, due_at=at)


@dataclass(frozen=True)
class Action:
    """Something a step does to the member: `send` a message or `grant` an offer (never for the holdout)."""

    step: Step

    def key(self, program_id: str, enrollment: Enrollment) -> str:
        """The action's business key: created once however often the step runs."""
        return f"campaign:{program_id}:{enrollment.ref}:{self.step.id}"


@dataclass(frozen=True)
class Progress:
    enrollment: Enrollment
    actions: tuple[Action, ...] = ()


def ordered_since(member: Member, moment: datetime) -> bool:
    """Whether the member has a purchase day after `moment`'s (UTC) day, or ordered on that day after it."""
    day = moment.astimezone(UTC).date()
    return any(d > day for d in member.purchase_days) or _after_on_day(member, moment)


def _after_on_day(member: Member, moment: datetime) -> bool:
    """Whether the member's order on `moment`'s day came after it: known only when that day is the member's last
    purchase day and the last activity came after `moment` (purchase days carry no time)."""
    day = moment.astimezone(UTC).date()
    return (day in member.purchase_days and max(member.purchase_days) == day
            and member.last_activity_at is not None and member.last_activity_at > moment)


def advance(campaign: Campaign, enrollment: Enrollment, view: segment_rules.MemberView, now: datetime) -> Progress:
    """Walk the member's steps as far as they go at `now`: until a wait that has not ended, the last step or an exit."""
    e = enrollment
    if e.status != WALKING:
        return Progress(replace(e, due_at=None))
    if campaign.stop_on_order and ordered_since(view.member, e.entered_at):
        return Progress(_finish(e, STOPPED_ON_ORDER, now, "the member ordered"))
    actions: list[Action] = []
    since = e.step_since or e.entered_at
    while e.step < len(campaign.steps) and e.status == WALKING:
        step = campaign.steps[e.step]
        if step.type == EXIT:
            return Progress(_finish(e, EXITED, now, f"exit step {step.id}"), tuple(actions))
        moved = _WALK[step.type](campaign, e, step, since, view, now)
        if moved is None:                           # waiting: looked at again when the wait ends
            wait = step.duration() if step.type == WAIT else step.timeout()
            return Progress(replace(e, step_since=since, due_at=since + wait), tuple(actions))
        if step.type in (SEND, GRANT) and not e.holdout:     # the holdout walks on without them
            actions.append(Action(step))
        e, since = moved
    if e.status != WALKING:                         # a jump to "exit"
        return Progress(e, tuple(actions))
    return Progress(_finish(e, FINISHED, now, "the last step"), tuple(actions))


Moved = tuple[Enrollment, datetime] | None       # the enrollment at its next step and when that began; None: waiting


def _wait(campaign: Campaign, e: Enrollment, step: Step, since: datetime, view: segment_rules.MemberView,
          now: datetime) -> Moved:
    end = since + step.duration()
    return None if end > now else (replace(e, step=e.step + 1), end)


def _wait_until(campaign: Campaign, e: Enrollment, step: Step, since: datetime, view: segment_rules.MemberView,
                now: datetime) -> Moved:
    if step.spec["event"] == CLICK:
        happened = e.clicked_at is not None and e.clicked_at >= since
    else:
        happened = ordered_since(view.member, since)
    if happened:                                    # a click moves one wait on: the next waits for a new one
        return replace(e, step=e.step + 1, clicked_at=None if step.spec["event"] == CLICK else e.clicked_at), now
    if since + step.timeout() > now:
        return None
    return _jump(campaign, e, step, step.spec.get("on_timeout"), now), now


def _split(campaign: Campaign, e: Enrollment, step: Step, since: datetime, view: segment_rules.MemberView,
           now: datetime) -> Moved:
    matched = segment_rules.matches(step.spec["match"], view, now)
    return _jump(campaign, e, step, step.spec["then"] if matched else step.spec.get("else"), now), now


def _act(campaign: Campaign, e: Enrollment, step: Step, since: datetime, view: segment_rules.MemberView,
         now: datetime) -> Moved:
    return replace(e, step=e.step + 1, sent=e.sent + (step.type == SEND and not e.holdout)), now


def _jump(campaign: Campaign, e: Enrollment, step: Step, target: str | None, now: datetime) -> Enrollment:
    if target == EXIT_TARGET:
        return _finish(replace(e, step=len(campaign.steps)), EXITED, now, f"{step.id} went to exit")
    return replace(e, step=campaign.index_of(target) if target else e.step + 1)


_WALK: dict[str, Callable[..., Moved]] = {WAIT: _wait, WAIT_UNTIL: _wait_until, SPLIT: _split, SEND: _act,
                                          GRANT: _act}


def _finish(e: Enrollment, status: str, now: datetime, reason: str) -> Enrollment:
    return replace(e, status=status, due_at=None, finished_at=now, reason=reason)


# ---------------------------------------------------------------- the goal


@dataclass(frozen=True)
class Outcome:
    converted: bool
    orders: int                        # purchase days in the goal window
    revenue: Decimal                   # their value


def goal_outcome(member: Member | None, entered_at: datetime, goal_days: int, now: datetime) -> Outcome:
    """The member's purchase days from the entry's day to `goal_days` days after it (and not after `now`)."""
    if member is None:
        return Outcome(False, 0, Decimal(0))
    first = entered_at.astimezone(UTC).date()
    last = min((entered_at + timedelta(days=goal_days)).astimezone(UTC).date(), now.astimezone(UTC).date())
    days = [d for d in member.purchase_days
            if first <= d <= last and (d > first or _after_on_day(member, entered_at))]
    return Outcome(bool(days), len(days), sum((member.purchase_days[d] for d in days), Decimal(0)))



def from_stored(campaign_id: str, definition: Mapping[str, Any], **meta: Any) -> Campaign:
    """A campaign as stored (its definition was validated when it was saved); `meta`: status, version, times."""
    reentry = definition.get("reentry") or {"never": True}
    return Campaign(
        campaign_id=campaign_id, name=definition["name"], description=definition.get("description", ""),
        audience=definition.get("audience") or {}, trigger=(definition.get("trigger") or {}).get("type", AUDIENCE),
        steps=tuple(Step(s["id"], s["type"], {k: v for k, v in s.items() if k not in ("id", "type")})
                    for s in definition["steps"]),
        goal_days=int((definition.get("goal") or {}).get("order_within_days", DEFAULT_GOAL_DAYS)),
        holdout_percent=int(definition.get("holdout_percent", DEFAULT_HOLDOUT)),
        reentry_days=reentry.get("after_days"), stop_on_order=bool(definition.get("stop_on_order", True)),
        template=definition.get("template"), **meta)
