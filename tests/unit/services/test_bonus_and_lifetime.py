"""What `bonus` entries and `lifetime_points` record: the signup bonus names the rules version that paid it, and
lifetime points count points from the moment they are earned, pending ones included, net of clawbacks."""
from datetime import UTC, datetime, timedelta

from chalicelib.adapters.platform_formats import PlatformFormats
from chalicelib.domain.accounting import Policy
from chalicelib.domain.ledger import EntryKind
from chalicelib.domain.program import ProgramRules
from chalicelib.services.deliveries import apply_delivery
from chalicelib.services.orders import release_order
from tests.factories import SHOP, load_event, make_order
from tests.fakes import FixedClock, InMemoryDataRequests, InMemoryLedger, RecordingShops, StaticRules
from tests.unit.services.test_orders import ORDER_ID, REFUND, envelope, member

FORMATS = PlatformFormats()

CREATED = load_event("shopify/customers-create.2026-04")          # created 2026-11-19T13:00Z
CLOCK = FixedClock(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))


def deliver(ledger, rules, topic, payload, webhook_id="wh"):
    return apply_delivery(envelope(topic, payload, webhook_id), FORMATS, ledger, ledger, rules, InMemoryDataRequests(),
                          RecordingShops(), ledger, CLOCK)


def test_the_signup_bonus_records_the_rules_version_in_force_when_the_customer_was_created():
    ledger = InMemoryLedger()
    rules = StaticRules(ProgramRules(version="launch", effective_from=datetime(2026, 1, 1, tzinfo=UTC)),
                        ProgramRules(version="bonus-250", effective_from=datetime(2026, 11, 1, tzinfo=UTC),
                                     signup_bonus=250),
                        ProgramRules(version="later", effective_from=datetime(2026, 11, 20, tzinfo=UTC),
                                     signup_bonus=10))
    assert deliver(ledger, rules, "customers/create", CREATED).points == 250
    [bonus] = ledger.ledger("demo", member(ledger).member_id, None, 10).entries
    assert (bonus.kind, bonus.points, bonus.rule_version) == (EntryKind.BONUS, 250, "bonus-250")


def test_lifetime_points_count_pending_points_and_drop_only_with_clawbacks():
    ledger = InMemoryLedger()
    rules = StaticRules(ProgramRules(version="hold-14", effective_from=datetime(2026, 1, 1, tzinfo=UTC),
                                     policy=Policy(hold_days=14), signup_bonus=0))
    deliver(ledger, rules, "orders/paid", make_order())
    held = member(ledger)
    assert (held.points_balance, held.pending_points, held.lifetime_points) == (0, 150, 150)

    deliver(ledger, rules, "refunds/create", REFUND, "wh-refund")          # during the hold: taken from pending
    refunded = member(ledger)
    assert (refunded.points_balance, refunded.pending_points, refunded.lifetime_points) == (0, 97, 97)

    later = CLOCK.now() + timedelta(days=30)
    release_order("demo", f"shopify:{SHOP}:order:{ORDER_ID}", later, ledger, rules, FixedClock(later))
    released = member(ledger)                                              # releasing earns nothing new
    assert (released.points_balance, released.pending_points, released.lifetime_points) == (97, 0, 97)
