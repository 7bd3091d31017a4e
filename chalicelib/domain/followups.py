"""What the merchant reads about an unhappy survey answer: the HubSpot task's subject and body, the alert email's.

Ids, the score, the comment as the customer wrote it, the order and what asked for the survey; never logged.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from chalicelib.domain.surveys import AFTER_DELIVERY, AFTER_ORDERS, NPS_SURVEY, ON_STAGE, TICKET_CLOSED, nps_category

ASKED = {AFTER_DELIVERY: "after an order's delivery", AFTER_ORDERS: "after a number of orders",
         ON_STAGE: "on entering a journey stage", TICKET_CLOSED: "after a HubSpot ticket closed"}


@dataclass(frozen=True)
class UnhappyAnswer:
    survey_id: str
    member_id: str
    kind: str                    # nps_survey | csat_survey
    score: int
    comment: str | None
    answered_at: datetime
    trigger: str
    order: str | None = None     # the order the survey was about ("#1001 (order 5928…)"), if any
    ticket_id: str | None = None


def score_text(answer: UnhappyAnswer) -> str:
    if answer.kind == NPS_SURVEY:
        return f"NPS {answer.score} ({nps_category(answer.score)})"
    return f"CSAT {answer.score} of 5"


def task_subject(answer: UnhappyAnswer) -> str:
    return f"{score_text(answer)}: follow up"


def details(answer: UnhappyAnswer) -> list[str]:
    """The lines of a task's body (plain text)."""
    scale = "0–10" if answer.kind == NPS_SURVEY else "1–5"
    asked = ASKED.get(answer.trigger, answer.trigger)
    if answer.trigger == TICKET_CLOSED and answer.ticket_id:
        asked = f"after HubSpot ticket {answer.ticket_id} closed"
    lines = [f"Score: {answer.score} on {scale} — {score_text(answer)}",
             f"Comment: {answer.comment}" if answer.comment else "Comment: none",
             f"Order: {answer.order}" if answer.order else None,
             f"Asked: {asked} (trigger {answer.trigger})",
             f"Answered: {answer.answered_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC",
             f"Loyalty member {answer.member_id}, survey {answer.survey_id}"]
    return [line for line in lines if line]


def alert_text(answer: UnhappyAnswer, program_name: str, customer: str) -> tuple[str, str]:
    """The merchant's alert email: (subject, plain-text body)."""
    subject = f"{program_name}: an unhappy answer ({score_text(answer)})"
    body = "\n".join([f"A customer gave an unhappy answer to a {program_name} survey.", "",
                      f"Customer: {customer}", *details(answer), "",
                      "Follow up with them; the answer is also in GET /admin/feedback?member_id="
                      f"{answer.member_id}.", ""])
    return subject, body
