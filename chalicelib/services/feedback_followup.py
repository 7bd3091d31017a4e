"""Closing the loop on an unhappy survey answer (an NPS detractor, a CSAT of 1–2): a HubSpot task on the member's
contact, and an alert email to the merchant's address when the program config names one (`feedback_alert_email`).

Recording an unhappy answer files a due item `<member id>/<survey id>` (FEEDBACK_FOLLOWUP_TASK); the
`feedback_followup` job works through them with run_due, so a failure stays due, is tried again and is parked after
MAX_ATTEMPTS. Each step happens once per survey: the task's id and the alert's time are recorded (FollowUpLog) as soon
as each succeeds, so a retry skips what is done; a failing step does not stop the other, its error is raised after.
The task needs HubSpot outbound (an access token) and a contact: the member's linked contact, else the contact with
the member's email (read by `idProperty=email`); without one it is skipped with a reason. An answer changed to a
happy one before the job ran is not followed up. Logs carry ids and outcomes, never the comment or an address.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from chalicelib.domain.due import FEEDBACK_FOLLOWUP_TASK
from chalicelib.domain.followups import UnhappyAnswer, alert_text, details, task_subject
from chalicelib.domain.ledger import Member
from chalicelib.domain.surveys import unhappy
from chalicelib.observability import logger
from chalicelib.services.crm_push import contact_of
from chalicelib.services.jobs import JobReport, run_due
from chalicelib.services.ports.due import DueItem, DueWork
from chalicelib.services.ports.feedback import Answer, FeedbackListing, SentSurvey
from chalicelib.services.ports.followups import FollowUpLog
from chalicelib.services.ports.hubspot import CrmTask, HubSpotTasks
from chalicelib.services.ports.ledger import LedgerRepository
from chalicelib.services.ports.mail import Mailer, Outbox
from chalicelib.services.ports.programs import MessagingSettings

ALERT_KIND = "feedback_alert"        # the SES tag of the merchant's alert (not a member message kind)
CREATED, DONE_BEFORE, SENT = "created", "done before", "sent"


@dataclass(frozen=True)
class FollowUpDeps:
    feedback: FeedbackListing        # the survey and its answer
    ledger: LedgerRepository
    outbox: Outbox                   # the survey message, for the order it was about
    log: FollowUpLog
    mailer: Mailer
    settings: MessagingSettings
    tasks: HubSpotTasks | None       # None: the program has no HubSpot access token


@dataclass(frozen=True)
class FollowedUp:
    task: str                        # created, done before, or "skipped: <reason>"
    alert: str                       # sent, done before, or "skipped: <reason>"


def follow_up_due(program_id: str, now: datetime, due: DueWork, deps: FollowUpDeps) -> JobReport:
    def handle(item: DueItem) -> None:
        outcome = follow_up(program_id, item.ref, now, deps)
        logger.info("feedback_followed_up", extra={"program_id": program_id, "ref": item.ref, "task": outcome.task,
                                                   "alert": outcome.alert})
    return run_due(program_id, FEEDBACK_FOLLOWUP_TASK, now, due, handle)


def follow_up(program_id: str, ref: str, now: datetime, deps: FollowUpDeps) -> FollowedUp:
    """Both steps for one answer, then its due item is finished; raises the first step's error (after trying the
    other) so that the item stays due and is retried."""
    member_id, _, survey_id = ref.partition("/")
    outcome = _steps(program_id, member_id, survey_id, now, deps)
    deps.log.finished(program_id, member_id, survey_id)
    return outcome


def _steps(program_id: str, member_id: str, survey_id: str, now: datetime, deps: FollowUpDeps) -> FollowedUp:
    record = deps.feedback.member_survey(program_id, member_id, survey_id)
    if record is None or record.answer is None:
        return _both_skipped("no answer to this survey")
    if not unhappy(record.survey.kind, record.answer.score):
        return _both_skipped("the answer is no longer unhappy")
    member = deps.ledger.get_member(program_id, member_id)
    if member is None or member.erased_at is not None:
        return _both_skipped("the member was erased" if member else "no such member")
    answer = _unhappy_answer(program_id, record.survey, record.answer, deps.outbox)
    state = deps.log.state(program_id, member_id, survey_id)
    errors: list[Exception] = []
    task = DONE_BEFORE if state.task_id else _attempt(errors, lambda: _task(program_id, answer, member, now, deps))
    alert = DONE_BEFORE if state.alerted_at else _attempt(errors, lambda: _alert(program_id, answer, member, now,
                                                                                 deps))
    if errors:
        raise errors[0]
    return FollowedUp(task, alert)


def _attempt(errors: list[Exception], step: Callable[[], str]) -> str:
    try:
        return step()
    except Exception as e:
        errors.append(e)
        return "failed"


def _both_skipped(reason: str) -> FollowedUp:
    return FollowedUp(f"skipped: {reason}", f"skipped: {reason}")


def _task(program_id: str, answer: UnhappyAnswer, member: Member, now: datetime, deps: FollowUpDeps) -> str:
    if deps.tasks is None:
        return "skipped: no HubSpot access token"
    contact_id, email = contact_of(member)
    if contact_id is None and email:
        contact_id = deps.tasks.contact_id_by_email(email)
    if contact_id is None:
        return "skipped: no HubSpot contact" + (" with the member's email" if email else " and no email")
    task_id = deps.tasks.create_task(CrmTask(contact_id, task_subject(answer), "\n".join(details(answer)), now))
    deps.log.task_created(program_id, answer.member_id, answer.survey_id, task_id, now)
    return CREATED


def _alert(program_id: str, answer: UnhappyAnswer, member: Member, now: datetime, deps: FollowUpDeps) -> str:
    s = deps.settings
    if not s.feedback_alert_email:
        return "skipped: no feedback_alert_email"
    customer = " ".join(filter(None, [member.first_name, f"<{member.email}>" if member.email else None])) or "unknown"
    subject, body = alert_text(answer, s.program_name, customer)
    sender = formataddr((s.sender_name, s.sender_email))
    raw = alert_mail(sender, s.feedback_alert_email, subject, body, f"fup-{answer.survey_id}", now)
    deps.mailer.send_raw(raw, s.sender_email, s.feedback_alert_email, s.configuration_set, program_id=program_id,
                         kind=ALERT_KIND)
    deps.log.alert_sent(program_id, answer.member_id, answer.survey_id, now)
    return SENT


def alert_mail(sender: str, recipient: str, subject: str, body: str, message_id: str, now: datetime) -> bytes:
    """A plain-text, transactional mail to the merchant (no unsubscribe: it is not mail to a customer)."""
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"], msg["To"], msg["Subject"] = sender, recipient, subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = f"<{message_id}@{sender.rpartition('@')[2].rstrip('>')}>"
    msg.set_content(body)
    return msg.as_bytes()


def _unhappy_answer(program_id: str, survey: SentSurvey, answer: Answer, outbox: Outbox) -> UnhappyAnswer:
    sent = next((m for m in outbox.messages(program_id, survey.member_id) if m.message_id == survey.survey_id), None)
    data = sent.data if sent else {}
    order = data.get("order_name") or data.get("order_id")
    order_text = f"{order} (Shopify order {data['order_id']})" if data.get("order_name") and data.get("order_id") \
        else str(order) if order else None
    return UnhappyAnswer(survey.survey_id, survey.member_id, survey.kind, answer.score, answer.comment,
                         answer.answered_at, survey.trigger, order_text, data.get("ticket_id"))
