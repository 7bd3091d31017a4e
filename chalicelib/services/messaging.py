"""The message dispatcher: claim each due message, apply the gates, send, record what happened and why."""
from __future__ import annotations

import functools
from datetime import datetime, timedelta

from chalicelib.domain import journey, surveys
from chalicelib.domain import messages as m
from chalicelib.domain.due import MESSAGE_TASK
from chalicelib.domain.errors import MailRejected, MailUnavailable
from chalicelib.domain.gates import CAPPED, Recipient, decide
from chalicelib.domain.ledger import Member
from chalicelib.domain.program import ProgramRules
from chalicelib.services.campaign_messages import CAMPAIGN_MESSAGE, campaign_gate
from chalicelib.services.jobs import JobReport, run_due
from chalicelib.services.lifecycle import LIFECYCLE_KINDS, lifecycle_gate
from chalicelib.services.ports.connectors import ProductHandles
from chalicelib.services.ports.due import DueItem, DueWork
from chalicelib.services.ports.feedback import FeedbackStore
from chalicelib.services.ports.ledger import LedgerRepository
from chalicelib.services.ports.mail import Composer, Mailer, Outbox
from chalicelib.services.ports.profiles import Profiles
from chalicelib.services.ports.programs import MessagingSettings, RulesSource
from chalicelib.services.ports.rewards import RewardCatalog
from chalicelib.services.reviews import REVIEW_KINDS, reminder_for, review_gate
from chalicelib.services.survey_requests import sent_survey, survey_gate

RETRY_UNAVAILABLE = timedelta(minutes=15)


def recipient(member: Member | None) -> Recipient:
    if member is None:
        return Recipient(email=None)
    return Recipient(email=member.email, erased=member.erased_at is not None, consent=member.email_consent,
                     unsubscribed=member.unsubscribed, hard_bounced=member.hard_bounced,
                     complained=member.complained, recent_capped_sends=member.recent_capped_sends)


def dispatch_messages(program_id: str, now: datetime, due: DueWork, outbox: Outbox, ledger: LedgerRepository,
                      profiles: Profiles, composer: Composer, mailer: Mailer, settings: MessagingSettings,
                      rules: RulesSource, shopify: ProductHandles | None = None,
                      feedback: FeedbackStore | None = None, rewards: RewardCatalog | None = None) -> JobReport:
    """`feedback` records each survey sent (its answers need it); without one, surveys go unrecorded. `rewards` (read
    once, for the first campaign message) names a campaign mail's next reward; without it, none is named."""
    current = rules.rules_at(program_id, now)
    catalog = functools.cache(lambda: rewards.list(program_id) if rewards is not None else [])

    def handle(item: DueItem) -> None:
        member_id, message_id = item.ref.split("/")
        message = outbox.claim(program_id, member_id, message_id, now)
        if message is None:                    # another dispatcher has it, or its earlier claim ran out
            outbox.abandon_stale_claim(program_id, member_id, message_id, now)
            return
        member = ledger.get_member(program_id, member_id)
        decision = decide(message, recipient(member), settings.policy, now)
        if message.kind in REVIEW_KINDS and decision.action != "skip":
            held, message = review_gate(program_id, message, ledger, current.reviews, settings, now, shopify)
            decision = held or decision
        if message.kind in LIFECYCLE_KINDS and decision.action != "skip":
            held, message = lifecycle_gate(message, member, current, settings.currency)
            decision = held or decision
        if message.kind == CAMPAIGN_MESSAGE and decision.action == "send":     # merge values as they are now
            held, message = campaign_gate(message, member, current, catalog(), settings, now)
            decision = held or decision
        if message.kind in surveys.KINDS and decision.action != "skip":
            decision = survey_gate(program_id, message, member, ledger, current, now) or decision
        if decision.action == "defer":
            outbox.finish(program_id, message, now, m.DEFERRED, decision.reason, retry_at=decision.retry_at)
        elif decision.action == "send" and member is not None and settings.postal_address:
            _send(program_id, message, member, now, outbox, profiles, composer, mailer, settings, current, feedback)
        else:                                  # a footer without the sender's postal address breaks CAN-SPAM
            outbox.finish(program_id, message, now, m.SKIPPED, decision.reason or "the program has no postal address")

    return run_due(program_id, MESSAGE_TASK, now, due, handle)


def _send(program_id: str, message: m.Message, member: Member, now: datetime, outbox: Outbox, profiles: Profiles,
          composer: Composer, mailer: Mailer, settings: MessagingSettings, rules: ProgramRules,
          feedback: FeedbackStore | None = None) -> None:
    try:
        raw = composer.compose(message, member, settings, now)
        ses_id = mailer.send_raw(raw, settings.sender_email, member.email or "", settings.configuration_set,
                                 program_id=program_id, kind=message.kind, member_id=member.member_id,
                                 message_id=message.message_id)
    except MailUnavailable as e:
        outbox.finish(program_id, message, now, m.DEFERRED, e.message, retry_at=now + RETRY_UNAVAILABLE)
        return
    except (MailRejected, ValueError) as e:
        outbox.finish(program_id, message, now, m.FAILED, str(e))
        return
    survey = message.kind in surveys.KINDS
    if survey and feedback is not None:          # before the message is done: its links need the record
        feedback.survey_sent(program_id, sent_survey(message, member, now))
    outbox.finish(program_id, message, now, m.SENT, ses_message_id=ses_id)
    if message.category in CAPPED:
        profiles.record_capped_send(program_id, member.member_id, (*member.recent_capped_sends, now),
                                    surveyed_at=now if survey else None)
    where = member.current_journey()
    if journey.is_touchpoint(where, now, rules.journey):
        profiles.record_touch(program_id, member.member_id, where.stage.value, message.kind, now)
    if message.kind == "review_request":
        outbox.schedule(program_id, reminder_for(message, rules.reviews, now), now)
