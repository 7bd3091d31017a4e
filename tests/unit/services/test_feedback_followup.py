"""The follow-up of an unhappy answer (services/feedback_followup.py) on fakes: the HubSpot task's content and contact,
the merchant's alert, each step once per survey, and the reasons a step is skipped."""
from __future__ import annotations

import email
import email.policy
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.errors import ConnectorUnavailable
from chalicelib.domain.gates import MessagingPolicy
from chalicelib.domain.ledger import Member
from chalicelib.domain.messages import Message
from chalicelib.services.feedback_followup import FollowedUp, FollowUpDeps, follow_up
from chalicelib.services.ports.feedback import Answer, SentSurvey, SurveyRecord
from chalicelib.services.ports.followups import FollowUpState
from chalicelib.services.ports.hubspot import CrmTask
from chalicelib.services.ports.programs import MessagingSettings

T = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SENT = T - timedelta(days=2)
REF = "m_ada/msg_survey1"


class Surveys:
    def __init__(self, *records: SurveyRecord) -> None:
        self.records = {(r.survey.member_id, r.survey.survey_id): r for r in records}

    def member_survey(self, program_id: str, member_id: str, survey_id: str) -> SurveyRecord | None:
        return self.records.get((member_id, survey_id))

    def newest_first(self, *args: object) -> list[object]:
        return []


class Members:
    def __init__(self, *members: Member) -> None:
        self.members = {m.member_id: m for m in members}

    def get_member(self, program_id: str, member_id: str) -> Member | None:
        return self.members.get(member_id)


class Messages:
    def __init__(self, *messages: Message) -> None:
        self.sent = list(messages)

    def messages(self, program_id: str, member_id: str) -> list[Message]:
        return [m for m in self.sent if m.member_id == member_id]


class Log:
    def __init__(self) -> None:
        self.states: dict[str, FollowUpState] = {}
        self.done: list[str] = []

    def state(self, program_id: str, member_id: str, survey_id: str) -> FollowUpState:
        return self.states.get(survey_id, FollowUpState())

    def task_created(self, program_id: str, member_id: str, survey_id: str, task_id: str, at: datetime) -> None:
        self.states[survey_id] = replace(self.state(program_id, member_id, survey_id), task_id=task_id)

    def alert_sent(self, program_id: str, member_id: str, survey_id: str, at: datetime) -> None:
        self.states[survey_id] = replace(self.state(program_id, member_id, survey_id), alerted_at=at)

    def finished(self, program_id: str, member_id: str, survey_id: str) -> None:
        self.done.append(survey_id)


class Tasks:
    def __init__(self, by_email: dict[str, str] | None = None, fail: int = 0) -> None:
        self.created: list[CrmTask] = []
        self.by_email = by_email or {}
        self.fail = fail

    def create_task(self, task: CrmTask) -> str:
        if self.fail:
            self.fail -= 1
            raise ConnectorUnavailable("HubSpot did not answer")
        self.created.append(task)
        return f"task-{len(self.created)}"

    def contact_id_by_email(self, address: str) -> str | None:
        return self.by_email.get(address)


class Mailer:
    def __init__(self, fail: int = 0) -> None:
        self.sent: list[tuple[bytes, str, str, str]] = []
        self.fail = fail

    def send_raw(self, raw: bytes, sender: str, recipient: str, configuration_set: str | None, *, program_id: str,
                 kind: str) -> str:
        if self.fail:
            self.fail -= 1
            raise ConnectorUnavailable("SES did not answer")
        self.sent.append((raw, sender, recipient, kind))
        return f"ses-{len(self.sent)}"


def member(**changes: object) -> Member:
    ada = Member("m_ada", "demo", "ada@example.com", "Ada", 150, 0, 150, "member",
                 ("hubspot:62515:501", "shopify:demo-shop.myshopify.com:739"), SENT, SENT)
    return replace(ada, **changes)


def record(kind: str = "nps_survey", score: int = 3, comment: str | None = "The parcel came late and torn",
           trigger: str = "after_delivery") -> SurveyRecord:
    return SurveyRecord(SentSurvey("msg_survey1", "m_ada", kind, trigger, SENT, "first_time", None, "member"),
                        Answer(score, comment, -0.6, T - timedelta(hours=1)), "fr_1")


SETTINGS = MessagingSettings(program_name="Demo Rewards", sender_name="Demo Rewards",
                             sender_email="rewards@demo-shop.myshopify.com", postal_address="1 Demo Street",
                             public_url="https://loyalty.demo.example", unsubscribe_secrets=(b"k",),
                             policy=MessagingPolicy(), feedback_alert_email="care@demo-shop.example")
SURVEY_MESSAGE = Message("msg_survey1", "m_ada", "nps_survey", SENT,
                         {"trigger": "after_delivery", "order_id": "5928371928374650123", "order_name": "#1001"})


def deps(records: tuple[SurveyRecord, ...] = (), members: tuple[Member, ...] = (), tasks: Tasks | None = None,
         mailer: Mailer | None = None, settings: MessagingSettings = SETTINGS, log: Log | None = None) -> FollowUpDeps:
    return FollowUpDeps(Surveys(*(records or (record(),))), Members(*(members or (member(),))),
                        Messages(SURVEY_MESSAGE), log or Log(), mailer or Mailer(), settings,
                        Tasks() if tasks is None else tasks)


def test_a_detractor_gets_a_task_on_the_linked_contact_with_score_comment_order_and_trigger():
    tasks = Tasks()

    done = follow_up("demo", REF, T, deps(tasks=tasks))

    assert done == FollowedUp("created", "sent")
    (task,) = tasks.created
    assert (task.contact_id, task.subject, task.due_at) == ("501", "NPS 3 (detractor): follow up", T)
    assert task.body.splitlines() == [
        "Score: 3 on 0–10 — NPS 3 (detractor)",
        "Comment: The parcel came late and torn",
        "Order: #1001 (Shopify order 5928371928374650123)",
        "Asked: after an order's delivery (trigger after_delivery)",
        "Answered: 2026-11-23 11:00 UTC",
        "Loyalty member m_ada, survey msg_survey1",
    ]


def test_the_merchant_alert_is_plain_text_from_the_programs_sender_to_the_configured_address():
    mailer = Mailer()

    follow_up("demo", REF, T, deps(mailer=mailer))

    ((raw, sender, recipient, kind),) = mailer.sent
    assert (sender, recipient, kind) == ("rewards@demo-shop.myshopify.com", "care@demo-shop.example", "feedback_alert")
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert mail["From"] == "Demo Rewards <rewards@demo-shop.myshopify.com>"
    assert mail["To"] == "care@demo-shop.example"
    assert mail["Subject"] == "Demo Rewards: an unhappy answer (NPS 3 (detractor))"
    assert mail.get_content_type() == "text/plain"
    assert "List-Unsubscribe" not in mail
    text = mail.get_content()
    assert "Customer: Ada <ada@example.com>" in text
    assert "Comment: The parcel came late and torn" in text


def test_an_unhappy_csat_after_a_ticket_names_the_ticket():
    tasks = Tasks()
    survey = record(kind="csat_survey", score=2, comment=None, trigger="ticket_closed")
    ticket = Message("msg_survey1", "m_ada", "csat_survey", SENT, {"trigger": "ticket_closed", "ticket_id": "9001"})
    d = replace(deps((survey,), tasks=tasks), outbox=Messages(ticket))

    follow_up("demo", REF, T, d)

    assert tasks.created[0].subject == "CSAT 2 of 5: follow up"
    assert "Asked: after HubSpot ticket 9001 closed (trigger ticket_closed)" in tasks.created[0].body
    assert "Comment: none" in tasks.created[0].body


def test_a_member_known_only_by_email_is_found_by_email_else_skipped_with_the_reason():
    by_email = member(identities=("shopify:demo-shop.myshopify.com:739",))
    tasks = Tasks({"ada@example.com": "777"})
    follow_up("demo", REF, T, deps(members=(by_email,), tasks=tasks))
    assert tasks.created[0].contact_id == "777"

    assert follow_up("demo", REF, T, deps(members=(by_email,), tasks=Tasks())).task == \
        "skipped: no HubSpot contact with the member's email"


def test_without_hubspot_the_task_is_skipped_with_its_reason_and_the_alert_still_goes():
    mailer = Mailer()
    d = replace(deps(mailer=mailer), tasks=None)

    assert follow_up("demo", REF, T, d) == FollowedUp("skipped: no HubSpot access token", "sent")
    assert len(mailer.sent) == 1


def test_without_an_alert_address_only_the_task_is_made():
    settings = replace(SETTINGS, feedback_alert_email=None)
    assert follow_up("demo", REF, T, deps(settings=settings)) == FollowedUp("created",
                                                                            "skipped: no feedback_alert_email")


@pytest.mark.parametrize(("survey", "members", "reason"), [
    (record(score=9), (member(),), "the answer is no longer unhappy"),
    (SurveyRecord(record().survey, None, "fr_1"), (member(),), "no answer to this survey"),
    (record(), (member(erased_at=T),), "the member was erased"),
])
def test_nothing_is_done_for_an_answer_that_is_no_longer_unhappy_or_an_erased_member(survey, members, reason):
    tasks, mailer = Tasks(), Mailer()
    assert follow_up("demo", REF, T, deps((survey,), members, tasks, mailer)) == FollowedUp(f"skipped: {reason}",
                                                                                           f"skipped: {reason}")
    assert (tasks.created, mailer.sent) == ([], [])


def test_a_retry_after_a_failed_step_repeats_only_that_step():
    tasks, mailer, log = Tasks(), Mailer(fail=1), Log()
    d = deps(tasks=tasks, mailer=mailer, log=log)

    with pytest.raises(ConnectorUnavailable):
        follow_up("demo", REF, T, d)             # the task was created; the alert failed: the item stays due
    assert log.done == []
    assert follow_up("demo", REF, T + timedelta(minutes=5), d) == FollowedUp("done before", "sent")
    assert log.done == ["msg_survey1"]           # finished: out of the Due index
    assert follow_up("demo", REF, T + timedelta(minutes=10), d) == FollowedUp("done before", "done before")

    assert len(tasks.created) == 1
    assert len(mailer.sent) == 1


def test_a_failing_hubspot_does_not_hold_back_the_alert():
    tasks, mailer, log = Tasks(fail=1), Mailer(), Log()
    d = deps(tasks=tasks, mailer=mailer, log=log)

    with pytest.raises(ConnectorUnavailable):
        follow_up("demo", REF, T, d)
    assert len(mailer.sent) == 1
    assert follow_up("demo", REF, T + timedelta(minutes=5), d) == FollowedUp("created", "done before")
    assert len(tasks.created) == 1
