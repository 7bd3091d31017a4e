"""Surveys: NPS and CSAT asked by email, answered through signed one-click links, followed up when unhappy.

A survey is a message (kind `nps_survey` or `csat_survey`, category `feedback`): its id is the survey's id. The email
shows the scale as links, one per score, each carrying a signed token for (program, member, survey, kind, score): the
landing page shows that score chosen and records nothing until the visitor confirms (link scanners fetch every link).

A token is `<payload>.<mac>`, both unpadded base64url; the payload is a JSON array
`[1, program_id, member_id, survey_id, kind, score, issued_at in epoch microseconds]` — ids only, never an email or a
name; the MAC (HMAC-SHA256) covers a purpose label of its own, so neither an unsubscribe token nor any other signed
value can pass for a survey token, and the claim names its member, survey and program, so a token cannot be used for
another. Scores: NPS 0–10 (promoters 9–10, passives 7–8, detractors 0–6; NPS = % promoters − % detractors), CSAT 1–5
(CSAT = % of 4–5 answers). A detractor (0–6) or an unhappy CSAT (1–2) is followed up.

Every function takes the time as a parameter.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote

from chalicelib.domain.journey import Stage
from chalicelib.domain.messages import FEEDBACK as FEEDBACK
from chalicelib.domain.tokens import MalformedToken, micros_of, moment_of, pack, payload_of, verified

NPS_SURVEY, CSAT_SURVEY = "nps_survey", "csat_survey"
KINDS = (NPS_SURVEY, CSAT_SURVEY)                    # category FEEDBACK (domain/messages.py)
SCALES: dict[str, tuple[int, ...]] = {NPS_SURVEY: tuple(range(0, 11)), CSAT_SURVEY: tuple(range(1, 6))}
PROMOTER, PASSIVE, DETRACTOR = "promoter", "passive", "detractor"
MAX_COMMENT = 2000                                      # characters of a comment kept
VERSION = 1
PURPOSE = b"loyalty-survey-v1."

# What asked for the survey (`trigger` in the answers).
AFTER_DELIVERY, AFTER_ORDERS, ON_STAGE, TICKET_CLOSED = "after_delivery", "after_orders", "on_stage", "ticket_closed"
TRIGGERS = (AFTER_DELIVERY, AFTER_ORDERS, ON_STAGE, TICKET_CLOSED)
# The journey stages a member can enter (a prospect is where everyone starts): `nps_on_stages` names some of them.
SURVEY_STAGES = tuple(s.value for s in Stage if s is not Stage.PROSPECT)


@dataclass(frozen=True)
class SurveyRules:
    """When the program asks (part of the program rules: `surveys`)."""

    nps_after_delivery_days: int | None = 7      # NPS this many days after an order's delivery; None: not then
    nps_after_orders: int | None = None          # NPS on the member's Nth purchase day; None: not then
    nps_on_stages: tuple[str, ...] = ()          # NPS on entering these journey stages
    csat_on_ticket_closed: bool = True           # CSAT when a HubSpot ticket of the member's closes
    throttle_days: int = 90                      # a person is surveyed at most once in this many days, any kind
    token_days: int = 30                         # a survey's links work this long after it was sent

    def __post_init__(self) -> None:
        checks = {
            "nps_after_delivery_days must be 0–90": self.nps_after_delivery_days is None
            or 0 <= self.nps_after_delivery_days <= 90,
            "nps_after_orders must be 1–100": self.nps_after_orders is None or 1 <= self.nps_after_orders <= 100,
            "throttle_days must be 1–730": 1 <= self.throttle_days <= 730,
            "token_days must be 1–365": 1 <= self.token_days <= 365,
            "nps_on_stages must name stages among " + ", ".join(SURVEY_STAGES): set(self.nps_on_stages)
            <= set(SURVEY_STAGES),
        }
        problems = [message for message, ok in checks.items() if not ok]
        if problems:
            raise ValueError("; ".join(problems))


def valid_score(kind: str, score: int) -> bool:
    return kind in SCALES and score in SCALES[kind]


def nps_category(score: int) -> str:
    return PROMOTER if score >= 9 else PASSIVE if score >= 7 else DETRACTOR


def unhappy(kind: str, score: int) -> bool:
    """Followed up: an NPS detractor (0–6) or a CSAT of 1–2."""
    return score <= 6 if kind == NPS_SURVEY else score <= 2


def throttled(last_surveyed_at: datetime | None, now: datetime, rules: SurveyRules) -> bool:
    """Surveyed within the throttle window (whatever the kind): this survey is dropped, not retried."""
    return last_surveyed_at is not None and now - last_surveyed_at < timedelta(days=rules.throttle_days)


@dataclass(frozen=True)
class FeedbackFacts:
    """A member's latest answers, on the profile (the CRM sync shows them)."""

    last_nps: int | None = None
    last_nps_at: datetime | None = None
    last_csat: int | None = None
    last_csat_at: datetime | None = None

    @property
    def last_feedback_at(self) -> datetime | None:
        return max((t for t in (self.last_nps_at, self.last_csat_at) if t is not None), default=None)


@dataclass(frozen=True)
class Tally:
    """Answers of one group: NPS and CSAT as percentages (None without answers of that kind)."""

    nps_scores: list[int] = field(default_factory=list)
    csat_scores: list[int] = field(default_factory=list)
    sentiments: list[float] = field(default_factory=list)
    delivered: int = 0

    @property
    def responses(self) -> int:
        return len(self.nps_scores) + len(self.csat_scores)

    @property
    def nps(self) -> float | None:
        """% promoters (9–10) − % detractors (0–6), from −100 to 100, one decimal."""
        if not self.nps_scores:
            return None
        n = len(self.nps_scores)
        promoters = sum(1 for s in self.nps_scores if s >= 9)
        detractors = sum(1 for s in self.nps_scores if s <= 6)
        return round(100 * (promoters - detractors) / n, 1)

    @property
    def csat(self) -> float | None:
        """% of CSAT answers that are 4 or 5, one decimal."""
        if not self.csat_scores:
            return None
        return round(100 * sum(1 for s in self.csat_scores if s >= 4) / len(self.csat_scores), 1)

    @property
    def response_rate(self) -> float | None:
        """Answered surveys ÷ surveys delivered (sent) in the period, 0–1, four decimals."""
        return round(self.responses / self.delivered, 4) if self.delivered else None

    @property
    def mean_sentiment(self) -> float | None:
        return round(sum(self.sentiments) / len(self.sentiments), 4) if self.sentiments else None


@dataclass(frozen=True)
class SurveyClaim:
    program_id: str
    member_id: str
    survey_id: str
    kind: str
    score: int
    issued_at: datetime


def sign(secret: bytes, claim: SurveyClaim) -> str:
    """The token of one score link of a survey (issued when the email is composed)."""
    if not secret:
        raise ValueError("a survey token needs a secret")
    if not valid_score(claim.kind, claim.score):
        raise ValueError(f"{claim.score} is not a score of {claim.kind}")
    return pack(secret, PURPOSE, [VERSION, claim.program_id, claim.member_id, claim.survey_id, claim.kind,
                                  claim.score, micros_of(claim.issued_at)])


def verify(secret: bytes | list[bytes], token: str, now: datetime, max_age: timedelta) -> SurveyClaim:
    """The claim when a configured secret (current, then previous) signed the token and it is not too old:
    InvalidSignature (forged, or another kind of token), MalformedToken, TokenExpired or TokenNotYetValid."""
    return verified(secret, PURPOSE, token, now, max_age, "survey link", _claim)


def claimed_program(token: str) -> str:
    """The program a token names, UNVERIFIED: only to choose whose keys then verify it."""
    return _claim(payload_of(token)).program_id


def survey_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/feedback/{quote(token, safe='')}"


def response_id_for(program_id: str, survey_id: str) -> str:
    """One response per survey: answering again changes it."""
    return "fr_" + hashlib.sha256(f"{program_id}\x1f{survey_id}".encode()).hexdigest()[:24]


def _claim(raw: bytes) -> SurveyClaim:
    try:
        version, program_id, member_id, survey_id, kind, score, micros = json.loads(raw)
    except (ValueError, TypeError) as e:
        raise MalformedToken("malformed survey token") from e
    texts = all(isinstance(v, str) for v in (program_id, member_id, survey_id, kind))
    if version != VERSION or not texts or type(score) is not int or type(micros) is not int \
            or not valid_score(kind, score):
        raise MalformedToken("malformed survey token")
    return SurveyClaim(program_id, member_id, survey_id, kind, score, moment_of(micros, "survey token"))
