from chalicelib.adapters.platform_formats import PlatformFormats
from chalicelib.domain.program import DEFAULT_RULES, ProgramRules
from chalicelib.services.deliveries import apply_delivery
from tests.factories import load_event, make_order
from tests.fakes import FixedClock, InMemoryDataRequests, RecordingShops, StaticRules
from tests.unit.services.test_orders import envelope

FORMATS = PlatformFormats()

CREATED = load_event("shopify/customers-create.2026-04")
REQUESTS = InMemoryDataRequests()
SHOPS = RecordingShops()
CONSENT = load_event("shopify/customers-email-marketing-consent-update.2026-04")
REDACT = load_event("shopify/customers-redact.2026-04")


def deliver(ledger, topic, payload, rules=DEFAULT_RULES, webhook_id="wh", requests=None):
    return apply_delivery(envelope(topic, payload, webhook_id), FORMATS, ledger, ledger, StaticRules(rules),
                          requests or REQUESTS, SHOPS, ledger, FixedClock())


def only_member(ledger):
    [member] = ledger.members.values()
    return member


def test_enrolment_gives_the_signup_bonus_once(ledger):
    assert deliver(ledger, "customers/create", CREATED).points == 100
    assert deliver(ledger, "customers/create", CREATED, webhook_id="again").reason == "bonus_already_given"
    member = only_member(ledger)
    assert (member.email, member.first_name, member.points_balance, member.lifetime_points) == (
        "ada@example.com", "Ada", 100, 100)


def test_no_bonus_when_the_program_gives_none(ledger):
    deliver(ledger, "customers/create", CREATED, ProgramRules(signup_bonus=0))
    assert only_member(ledger).points_balance == 0


def test_an_email_change_moves_the_lookup_and_an_older_update_cannot_undo_it(ledger):
    deliver(ledger, "customers/create", CREATED)
    deliver(ledger, "customers/update", {**CREATED, "email": "ada@new.example", "updated_at": "2026-11-21T00:00:00Z"})
    deliver(ledger, "customers/update", {**CREATED, "email": "old@example.com", "updated_at": "2026-11-20T00:00:00Z"})
    assert ledger.find_by_email("demo", "ada@example.com") == []
    assert [m.email for m in ledger.find_by_email("demo", "ada@new.example")] == ["ada@new.example"]


def test_consent_keeps_its_timestamp_and_ignores_older_news(ledger):
    deliver(ledger, "customers_email_marketing_consent/update", CONSENT)
    older = {**CONSENT, "email_marketing_consent": {"state": "unsubscribed", "opt_in_level": None,
                                                    "consent_updated_at": "2026-11-01T00:00:00Z"}}
    assert deliver(ledger, "customers_email_marketing_consent/update", older).reason == "stale"
    assert only_member(ledger).email_consent == "subscribed"


def test_redaction_erases_personal_data_and_keeps_the_balances_and_ledger(ledger):
    deliver(ledger, "customers/create", CREATED)
    deliver(ledger, "orders/paid", make_order())
    deliver(ledger, "customers/redact", REDACT)
    member = only_member(ledger)
    assert (member.email, member.first_name, member.identities) == (None, None, ())
    assert member.points_balance == 250
    assert sum(e.points for e in ledger.ledger("demo", member.member_id, None, 50).entries) == 250
    deliver(ledger, "customers/update", {**CREATED, "updated_at": "2027-01-01T00:00:00Z"})   # late news
    deliver(ledger, "orders/paid", make_order(id=5928371928374650999))
    assert only_member(ledger).email is None
    assert ledger.find_by_email("demo", "ada@example.com") == []


def test_a_deleted_customer_is_erased_too(ledger):
    deliver(ledger, "customers/create", CREATED)
    deliver(ledger, "customers/delete", {"id": CREATED["id"], "tax_exemptions": [],
                                         "admin_graphql_api_id": CREATED["admin_graphql_api_id"]})
    assert only_member(ledger).erased_at is not None


def test_a_data_request_is_kept_for_the_merchant_once(ledger):
    requests = InMemoryDataRequests()
    payload = {**load_event("shopify/customers-redact.2026-04"), "data_request": {"id": 9999},
               "orders_requested": [5928371928374650123]}
    assert deliver(ledger, "customers/data_request", payload, requests=requests).status == "recorded"
    assert deliver(ledger, "customers/data_request", payload, requests=requests).status == "unchanged"
    [request] = requests.list("demo")
    assert (request.request_id, request.customer_id, request.orders_requested) == (
        "9999", "7390012345678901234", ("5928371928374650123",))
