"""The reconciliation window, the facts the ledger lacks, and where the next run starts."""
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.accounting import OrderAccount, RefundRecord
from chalicelib.domain.reconciliation import (
    OrderFacts,
    RunReport,
    Settings,
    Window,
    missing_facts,
    next_watermark,
    window,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SETTINGS = Settings(overlap=timedelta(hours=1), settle=timedelta(minutes=15), first_lookback=timedelta(days=2))


def facts(**overrides):
    return OrderFacts(**{"order_id": "1", "updated_at": NOW, "paid": True, "cancelled": False, **overrides})


def account(**overrides):
    return OrderAccount(shop="s", order_id="1", **overrides)


def test_the_first_window_reaches_back_the_lookback_and_the_overlap_and_stops_before_the_settling_time():
    assert window(None, NOW, SETTINGS) == Window(NOW - timedelta(days=2, hours=1, minutes=15),
                                                 NOW - timedelta(minutes=15))


def test_a_later_window_starts_an_overlap_before_the_watermark():
    mark = NOW - timedelta(hours=1, minutes=15)
    assert window(mark, NOW, SETTINGS) == Window(mark - timedelta(hours=1), NOW - timedelta(minutes=15))


def test_a_watermark_in_the_future_gives_an_empty_window_not_an_inverted_one():
    w = window(NOW + timedelta(days=1), NOW, SETTINGS)
    assert w.since == w.until - timedelta(hours=1)
    assert not w.empty
    assert window(NOW, NOW, Settings(overlap=timedelta(0))).empty


def test_a_paid_order_the_ledger_never_saw_lacks_its_payment_its_cancellation_and_refunds():
    assert missing_facts(facts(cancelled=True, refund_ids=frozenset({"9", "8"})), None) == (
        "paid", "cancelled", "refund:8", "refund:9")


def test_an_order_seen_whole_lacks_nothing():
    seen = account(paid_at=NOW, cancelled_at=NOW, refunds={"9": RefundRecord(0, 0, NOW)})
    assert missing_facts(facts(cancelled=True, refund_ids=frozenset({"9"})), seen) == ()


def test_only_the_new_refund_is_missing():
    seen = account(paid_at=NOW, refunds={"9": RefundRecord(0, 0, NOW)})
    assert missing_facts(facts(refund_ids=frozenset({"9", "10"})), seen) == ("refund:10",)


def test_orders_the_engine_ignores_lack_nothing():
    assert missing_facts(facts(test=True), None) == ()
    assert missing_facts(facts(has_customer=False), None) == ()
    assert missing_facts(facts(paid=False), None) == ()                       # never paid, never seen
    assert missing_facts(facts(paid=False, cancelled=True), None) == ()


def test_a_cancellation_of_an_order_the_ledger_has_is_missing_even_unpaid():
    assert missing_facts(facts(paid=False, cancelled=True), account()) == ("cancelled",)


def report(complete):
    return RunReport("shopify", NOW, Window(NOW - timedelta(hours=2), NOW - timedelta(minutes=15)),
                     complete=complete)


def test_a_whole_window_read_without_failure_moves_the_watermark_to_its_end():
    assert next_watermark(report(True), NOW - timedelta(hours=1), None) == NOW - timedelta(minutes=15)


def test_a_window_cut_short_resumes_from_the_newest_fact_read():
    assert next_watermark(report(False), NOW - timedelta(hours=1), None) == NOW - timedelta(hours=1)
    assert next_watermark(report(False), None, None) is None


def test_a_failure_holds_the_watermark_at_the_failed_fact():
    failed = NOW - timedelta(minutes=90)
    assert next_watermark(report(True), NOW - timedelta(minutes=30), failed) == failed


@given(st.booleans(), st.booleans(), st.booleans(), st.booleans(),
       st.frozensets(st.sampled_from("abc")), st.frozensets(st.sampled_from("abc")))
def test_whatever_was_missing_an_account_with_every_fact_lacks_nothing(paid, cancelled, seen_paid, seen_cancel,
                                                                       refunds, seen_refunds):
    listed = facts(paid=paid, cancelled=cancelled, refund_ids=refunds)
    full = account(paid_at=NOW if paid or seen_paid else None, cancelled_at=NOW if cancelled or seen_cancel else None,
                   refunds={r: RefundRecord(0, 0, NOW) for r in refunds | seen_refunds})
    assert missing_facts(listed, full) == ()
    lacking = missing_facts(listed, account(paid_at=NOW if seen_paid else None,
                                            cancelled_at=NOW if seen_cancel else None,
                                            refunds={r: RefundRecord(0, 0, NOW) for r in seen_refunds}))
    assert {f for f in lacking if f.startswith("refund:")} == {f"refund:{r}" for r in refunds - seen_refunds}
    assert ("paid" in lacking) == (paid and not seen_paid)
