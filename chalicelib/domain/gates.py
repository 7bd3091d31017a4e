"""Whether a due message goes now, later or never — every gate in one place, applied to every kind."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from chalicelib.domain.addresses import single_address
from chalicelib.domain.messages import FEEDBACK, MARKETING, REVIEW, TRANSACTIONAL, Message

# Mail a person did not ask for counts toward one cap and waits for the morning; account mail (points, codes,
# welcome) goes at once.
CAPPED = frozenset({REVIEW, MARKETING, FEEDBACK})
QUIET = frozenset({REVIEW, MARKETING, FEEDBACK})
# When the cap holds several messages, they come back in this order as the window frees: the first takes
# the free slot, the others are held again (or dropped once stale).
PRIORITY_DELAY = {"review_request": timedelta(0), "review_reminder": timedelta(hours=1),
                  "tier_at_risk": timedelta(hours=2)}


@dataclass(frozen=True)
class MessagingPolicy:
    opt_in_required: dict[str, bool] = field(
        default_factory=lambda: {TRANSACTIONAL: False, REVIEW: False, MARKETING: True, FEEDBACK: False})
    cap_count: int = 2                       # review, feedback and marketing messages per member …
    cap_window: timedelta = timedelta(days=7)  # … in this window; transactional mail is exempt
    quiet_start: time = time(21, 0)          # no review, feedback or marketing mail from 21:00 …
    quiet_end: time = time(9, 0)             # … to 09:00, in the program's time zone
    timezone: str = "UTC"
    stale_after: dict[str, timedelta] = field(default_factory=lambda: {
        TRANSACTIONAL: timedelta(days=3), REVIEW: timedelta(days=21), MARKETING: timedelta(days=7),
        FEEDBACK: timedelta(days=14)})


@dataclass(frozen=True)
class Recipient:
    email: str | None
    erased: bool = False
    consent: str | None = None               # Shopify's email marketing state
    unsubscribed: frozenset[str] = frozenset()   # categories the member left through our links
    hard_bounced: bool = False
    complained: bool = False
    recent_capped_sends: tuple[datetime, ...] = ()


@dataclass(frozen=True)
class Decision:
    action: str                              # send | skip | defer
    reason: str | None = None
    retry_at: datetime | None = None


def decide(message: Message, to: Recipient, policy: MessagingPolicy, now: datetime) -> Decision:
    category = message.category
    blocked = _blocked(category, to, policy)
    if blocked:
        return Decision("skip", blocked)
    quiet = _quiet_until(now, policy) if category in QUIET else None
    capped = _capped_until(category, to, policy, now)
    if capped is not None:
        capped += PRIORITY_DELAY.get(message.kind, timedelta(hours=3))
    later = max((t for t in (quiet, capped) if t is not None), default=None)
    if later is None:
        return Decision("send")
    reason = "frequency cap" if later == capped else "quiet hours"
    if later - message.due_at > policy.stale_after[category]:
        return Decision("skip", f"stale: held by the {reason} past its useful time")
    return Decision("defer", reason, later)


def _capped_until(category: str, to: Recipient, policy: MessagingPolicy, now: datetime) -> datetime | None:
    """When the member's review, feedback and marketing mail in the window drops below the cap (None: not capped)."""
    if category not in CAPPED:
        return None
    window = sorted(t for t in to.recent_capped_sends if t > now - policy.cap_window)
    if len(window) < policy.cap_count:
        return None
    return window[len(window) - policy.cap_count] + policy.cap_window


def _blocked(category: str, to: Recipient, policy: MessagingPolicy) -> str | None:
    if to.erased or not to.email:
        return "no email address"
    if single_address(to.email) is None:              # "a@x.com, b@y.com" would mail two people
        return "invalid recipient address"
    if to.hard_bounced:
        return "address suppressed: hard bounce"
    if to.complained and category != TRANSACTIONAL:
        return "address suppressed: complaint"
    if to.consent == "unsubscribed":
        return "consent refused in Shopify"
    if category in to.unsubscribed:
        return f"unsubscribed from {category} mail"
    if policy.opt_in_required.get(category) and to.consent != "subscribed":
        return f"{category} mail needs opt-in"
    return None


def _quiet_until(now: datetime, policy: MessagingPolicy) -> datetime | None:
    local = now.astimezone(ZoneInfo(policy.timezone))
    start, end = policy.quiet_start, policy.quiet_end
    t = local.time()
    quiet = (t >= start or t < end) if start > end else (start <= t < end)
    if not quiet:
        return None
    day = local.date() if t < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=local.tzinfo)
