"""A member's timeline pages by the ledger; messages and events (tier and journey changes) fall between the entries."""
from datetime import UTC, datetime, timedelta

from chalicelib.domain.journey import Cause, Change
from chalicelib.domain.ledger import EntryKind, Identity, LedgerEntry, MemberHints
from chalicelib.domain.member_events import JourneyChanged, TierChanged
from chalicelib.domain.messages import Message
from chalicelib.services.timeline import timeline
from tests.fakes import InMemoryHistory

T0 = datetime(2026, 11, 20, 9, tzinfo=UTC)
ADA = Identity("shopify", "demo-shop.myshopify.com:1")


def hours(n):
    return T0 + timedelta(hours=n)


def entry(n):
    return LedgerEntry(entry_id=f"e_{n}", business_key=f"k{n}", kind=EntryKind.ADJUST, points=n, occurred_at=hours(n),
                       recorded_at=hours(n))


def pages(ledger, history, member_id, limit):
    cursor, seen = None, []
    while True:
        page = timeline(ledger, history, "demo", member_id, cursor, limit)
        seen.append(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return seen


def test_events_and_messages_appear_once_between_the_entries_they_fall_between(ledger):
    member_id = ledger.append("demo", ADA, MemberHints(), entry(1))
    for n in (3, 5):
        ledger.append("demo", ADA, MemberHints(), entry(n))
    history = InMemoryHistory()
    first_order = JourneyChanged(T0, (Change("stage", "prospect", "first_time", T0, Cause.ORDER),
                                      Change("state", None, "active", T0, Cause.ORDER)))
    upgrade = TierChanged(hours(4), "member", "silver")
    lapsed = JourneyChanged(hours(6), (Change("state", "active", "lapsed", hours(6), Cause.INACTIVITY),))
    history.events_of[("demo", member_id)] = [first_order, upgrade, lapsed]
    welcome = Message(message_id="msg_1", member_id=member_id, kind="welcome", due_at=hours(2), data={},
                      created_at=hours(2))
    history.by_member[("demo", member_id)] = [welcome]

    seen = pages(ledger, history, member_id, "1")

    assert [[item for _, item in page] for page in seen] == [
        [lapsed, entry(5)], [upgrade, entry(3)], [welcome, entry(1), first_order]]
    times = [at for page in seen for at, _ in page]
    assert times == sorted(times, reverse=True)


def test_one_page_holds_every_event_of_a_short_history(ledger):
    member_id = ledger.append("demo", ADA, MemberHints(), entry(1))
    history = InMemoryHistory()
    later, earlier = TierChanged(hours(2), "member", "silver"), TierChanged(T0, "silver", "member")
    history.events_of[("demo", member_id)] = [earlier, later]

    [page] = pages(ledger, history, member_id, None)

    assert [item for _, item in page] == [later, entry(1), earlier]
