"""Points-expiring and tier-at-risk mail: created with the change that sets their date, checked when due."""
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from chalicelib import bootstrap
from chalicelib.domain.program import INACTIVITY, Expiry, ProgramRules, Tier
from chalicelib.domain.tiers import add_months
from chalicelib.services.deliveries import apply_delivery
from chalicelib.services.messaging import dispatch_messages
from tests.factories import SHOP, body_of, load_event, make_order
from tests.fakes import FixedClock, StaticRules

T0 = datetime(2026, 1, 10, 12, tzinfo=UTC)


def deliver(rules, topic, payload, at, webhook_id):
    envelope = {"v": 1, "source": "shopify", "program_id": "demo", "shop": SHOP, "topic": topic,
                "webhook_id": webhook_id, "body": body_of(payload).decode()}
    apply_delivery(envelope, bootstrap.get_formats(), bootstrap.get_ledger(), bootstrap.get_profiles(), rules,
                   bootstrap.get_requests(), bootstrap.get_shops(), bootstrap.get_products(), FixedClock(at))


def dispatch(rules, at):
    return dispatch_messages("demo", at, bootstrap.get_due_work(), bootstrap.get_outbox(), bootstrap.get_ledger(),
                             bootstrap.get_profiles(), bootstrap.get_composer(), bootstrap.get_mailer(),
                             bootstrap.get_directory().messaging("demo"), rules)


def sent_subjects():
    import email
    import email.policy

    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends
    sent = ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].sent_messages
    return [email.message_from_bytes(m.raw_data if isinstance(m.raw_data, bytes) else m.raw_data.encode(),
                                     policy=email.policy.default)["Subject"] for m in sent if hasattr(m, "raw_data")]


def messages(kind):
    [member] = bootstrap.get_ledger().find_by_email("demo", "ada@example.com")
    return sorted((m.due_at, m.status, m.reason, m.data.get("points")) for m in
                   bootstrap.get_outbox().messages("demo", member.member_id) if m.kind == kind)


def test_expiry_notices_go_30_and_3_days_before_with_exact_figures_and_move_with_activity(aws):
    rules = StaticRules(ProgramRules(expiry=Expiry(INACTIVITY, 12)))
    deliver(rules, "orders/paid", make_order(processed_at=T0.isoformat()), T0, "o1")
    expires = add_months(T0, 12)
    dispatch(rules, T0)
    dispatch(rules, expires - timedelta(days=30) + timedelta(minutes=5))
    assert messages("points_expiring")[0] == (expires - timedelta(days=30), "sent", None, None)
    [mail] = [m for m in sent_subjects() if "expire" in m]
    assert mail == "150 points expire on January 10, 2027"
    deliver(rules, "orders/paid", make_order(id=2, processed_at=(T0 + timedelta(days=340)).isoformat()),
            expires - timedelta(days=25), "o2")                       # activity moves the expiry on
    dispatch(rules, expires - timedelta(days=3) + timedelta(minutes=5))
    assert messages("points_expiring")[1] == (expires - timedelta(days=3), "skipped",
                                              "the expiry moved with later activity", None)


def test_a_member_about_to_lose_a_tier_is_told_what_to_spend_by_when(aws):
    tiers = (Tier("member", Decimal(0)), Tier("silver", Decimal(100), Decimal("1.25")))
    rules = StaticRules(ProgramRules(tiers=tiers))
    consent = {**load_event("shopify/customers-email-marketing-consent-update.2026-04"),
               "email_marketing_consent": {"state": "subscribed", "opt_in_level": "single_opt_in",
                                           "consent_updated_at": T0.isoformat()}}
    deliver(rules, "customers_email_marketing_consent/update", consent, T0, "c1")
    deliver(rules, "orders/paid", make_order(processed_at=T0.isoformat()), T0, "o1")
    review = add_months(T0, 12)
    dispatch(rules, T0)
    dispatch(rules, review - timedelta(days=30) + timedelta(minutes=5))
    [member] = bootstrap.get_ledger().find_by_email("demo", "ada@example.com")
    [notice] = [m for m in bootstrap.get_outbox().messages("demo", member.member_id) if m.kind == "tier_at_risk"]
    assert (notice.status, notice.due_at) == ("sent", review - timedelta(days=30))
    assert any("silver" in subject.lower() for subject in sent_subjects())


def test_notices_a_program_switched_off_are_never_written_and_the_others_still_are(aws):
    from chalicelib.domain.program import Notifications
    rules = StaticRules(ProgramRules(expiry=Expiry(INACTIVITY, 12), tiers=(Tier("member", Decimal(0)),
                                                                          Tier("silver", Decimal(100))),
                                     notifications=Notifications(off=frozenset({"points_earned", "tier_achieved"}))))
    deliver(rules, "orders/paid", make_order(processed_at=T0.isoformat()), T0, "o1")      # 150.74: silver

    assert messages("points_earned") == []
    assert messages("tier_achieved") == []
    assert [status for _, status, _, _ in messages("points_expiring")] == ["scheduled", "scheduled"]
    [member] = bootstrap.get_ledger().find_by_email("demo", "ada@example.com")
    assert (member.points_balance, member.tier) == (150, "silver")                    # the ledger is the same


def test_rules_without_notifications_send_every_notice_and_a_kind_left_out_is_sent():
    from chalicelib.domain.program import NOTIFICATION_KINDS
    from chalicelib.domain.rules_codec import rules_from_json, rules_to_json
    stored = rules_to_json(ProgramRules())
    assert stored["notifications"] == dict.fromkeys(NOTIFICATION_KINDS, True)
    del stored["notifications"]                                   # a version stored before the switch existed
    assert rules_from_json(stored).notifications.off == frozenset()
    stored["notifications"] = {"points_earned": False}
    assert rules_from_json(stored).notifications.off == frozenset({"points_earned"})
    assert rules_to_json(rules_from_json(stored))["notifications"]["tier_at_risk"] is True
