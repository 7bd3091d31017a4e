from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from chalicelib.adapters.hubspot_events import hubspot_envelope
from chalicelib.adapters.platform_formats import PlatformFormats
from chalicelib.domain.ledger import EntryKind, Identity, LedgerEntry, MemberHints, entry_id_for, member_id_for
from chalicelib.domain.money import Money
from chalicelib.domain.program import ProgramRules, Tier
from chalicelib.services.deliveries import apply_delivery
from chalicelib.services.hubspot_members import HubSpotContext
from chalicelib.services.ports.hubspot import HubSpotDeal
from chalicelib.services.ports.programs import HubSpotSettings
from tests.fakes import (
    FakeHubSpot,
    FixedClock,
    InMemoryDataRequests,
    InMemoryIdentities,
    InMemoryLedger,
    RecordingShops,
    StaticRules,
)
from tests.hubspot_factories import OCCURRED, PORTAL, event, prop

FORMATS = PlatformFormats()

CLOCK = FixedClock()
ADA = {"email": "Ada@Example.com", "firstname": "Ada"}
HUBSPOT_ADA = Identity("hubspot", f"{PORTAL}:1")
SHOPIFY_ADA = Identity("shopify", "demo-shop.myshopify.com:7390012345678901234")
HOUR = 3_600_000


class World:
    def __init__(self, rules: ProgramRules | None = None) -> None:
        self.ledger = InMemoryLedger()
        self.identities = InMemoryIdentities(self.ledger)
        self.api = FakeHubSpot(contacts={"1": dict(ADA), "2": {"email": None}})
        self.settings = HubSpotSettings(client_secrets=(b"s",), public_url="http://x",
                                        access_token="pat-test")
        self.rules = StaticRules(*([rules] if rules else []))

    def deliver(self, body):
        context = HubSpotContext(self.settings, self.identities, self.api if self.settings.access_token else None)
        return apply_delivery(hubspot_envelope(body, "demo", CLOCK.now().isoformat()), FORMATS, self.ledger,
                              self.ledger, self.rules, InMemoryDataRequests(), RecordingShops(), self.ledger, CLOCK,
                              hubspot=lambda program_id: context)

    def member(self, identity=HUBSPOT_ADA):
        return self.ledger.get_member("demo", member_id_for("demo", identity))

    def shopify_member(self, email="ada@example.com"):
        entry = LedgerEntry(entry_id=entry_id_for("o1"), business_key="shopify:o1", kind=EntryKind.EARN, points=150,
                            occurred_at=CLOCK.now(), recorded_at=CLOCK.now())
        return self.ledger.append("demo", SHOPIFY_ADA, MemberHints(email=email, first_name="Ada"), entry)


@pytest.fixture
def world():
    return World()


def test_a_created_contact_is_enrolled_with_the_email_read_through_the_api(world):
    outcome = world.deliver(event("contact.creation", 1))
    assert (outcome.status, outcome.reason) == ("recorded", "enrolled")
    [member] = world.ledger.find_by_email("demo", "ada@example.com")
    assert (member.member_id, member.first_name, member.points_balance) == (outcome.member_id, "Ada", 0)
    assert member.identities == (HUBSPOT_ADA.key,)
    assert world.api.calls == [("contact", "1")]
    assert world.deliver(event("contact.creation", 1)).status == "unchanged"      # re-delivery


def test_a_contact_with_the_email_of_a_known_member_attaches_to_that_member(world):
    shopify_id = world.shopify_member()
    outcome = world.deliver(event("contact.creation", 1))
    assert (outcome.status, outcome.reason, outcome.member_id) == ("recorded", "attached", shopify_id)
    [member] = world.ledger.find_by_email("demo", "ada@example.com")
    assert member.identities == tuple(sorted((SHOPIFY_ADA.key, HUBSPOT_ADA.key)))
    assert world.member() is None                     # no second member from the HubSpot identity
    granted = world.deliver(prop(1, "loyalty_grant_points", "25"))
    assert (granted.member_id, world.ledger.get_member("demo", shopify_id).points_balance) == (shopify_id, 175)


def test_without_an_access_token_a_creation_is_skipped_with_a_reason_and_nothing_is_called(world):
    world.settings = replace(world.settings, access_token="")
    outcome = world.deliver(event("contact.creation", 1))
    assert (outcome.status, outcome.reason.split(":")[0]) == ("skipped", "no_access_token")
    assert (world.api.calls, world.ledger.members) == ([], {})


def test_without_an_access_token_the_email_property_change_still_enrols(world):
    world.settings = replace(world.settings, access_token="")
    shopify_id = world.shopify_member()
    outcome = world.deliver(prop(1, "email", "ADA@example.com"))
    assert (outcome.status, outcome.member_id) == ("recorded", shopify_id)
    assert world.identities.resolve("demo", HUBSPOT_ADA).member_id == shopify_id


@pytest.mark.parametrize(("contact_id", "reason"), [("2", "contact_without_email"), ("404", "contact_not_found")])
def test_a_created_contact_without_an_email_is_skipped(world, contact_id, reason):
    outcome = world.deliver(event("contact.creation", int(contact_id)))
    assert (outcome.status, outcome.reason) == ("skipped", reason)
    assert world.ledger.members == {}


def test_email_changes_apply_newest_first(world):
    world.deliver(event("contact.creation", 1))
    assert world.deliver(prop(1, "email", "new@example.com", event_id=3, occurred_at=OCCURRED + HOUR)).status == \
        "recorded"
    stale = world.deliver(prop(1, "email", "old@example.com", event_id=4, occurred_at=OCCURRED - HOUR))
    assert (stale.status, world.member().email) == ("unchanged", "new@example.com")
    assert world.deliver(prop(1, "email", "not-an-email", event_id=5)).reason == "invalid_email"


def test_the_birthday_property_is_stored_validated_and_cleared(world):
    world.deliver(event("contact.creation", 1))
    assert world.deliver(prop(1, "date_of_birth", "642902400000")).status == "recorded"
    assert world.member().birthday == date(1990, 5, 17)
    bad = world.deliver(prop(1, "date_of_birth", "2031-01-01", event_id=3, occurred_at=OCCURRED + HOUR))
    assert (bad.status, bad.reason, world.member().birthday) == ("skipped", "invalid_birthday", date(1990, 5, 17))
    world.deliver(prop(1, "date_of_birth", "", event_id=4, occurred_at=OCCURRED + 2 * HOUR))
    assert world.member().birthday is None


def test_the_email_opt_out_property_sets_consent_newest_first(world):
    world.deliver(prop(1, "hs_email_optout", "true", occurred_at=OCCURRED + HOUR))
    assert world.member().email_consent == "unsubscribed"
    assert world.deliver(prop(1, "hs_email_optout", "false", event_id=3)).status == "unchanged"
    world.deliver(prop(1, "hs_email_optout", "false", event_id=4, occurred_at=OCCURRED + 2 * HOUR))
    assert world.member().email_consent == "subscribed"
    assert world.deliver(prop(1, "hs_email_optout", "maybe", event_id=5)).reason == "invalid_optout_value"


def test_a_workflow_grant_is_a_bonus_given_once_however_often_it_is_delivered(world):
    grant = prop(1, "loyalty_grant_points", "40")
    first = world.deliver(grant)
    assert (first.status, first.points) == ("recorded", 40)
    assert world.deliver({**grant, "attemptNumber": 4}).status == "unchanged"
    [entry] = world.ledger.entries[("demo", first.member_id)]
    assert (entry.kind, entry.points, entry.reason) == (EntryKind.BONUS, 40, "HubSpot workflow")
    assert "ada" not in str(entry).lower()                       # no personal data in the ledger
    second = world.deliver(prop(1, "loyalty_grant_points", "-15", event_id=9, occurred_at=OCCURRED + HOUR))
    assert (second.points, world.member().points_balance) == (-15, 25)


@pytest.mark.parametrize("value", ["", "0", "2.5", "100001", "lots"])
def test_invalid_grants_are_skipped_with_a_reason(world, value):
    outcome = world.deliver(prop(1, "loyalty_grant_points", value))
    assert (outcome.status, outcome.reason.split(":")[0]) == ("skipped", "invalid_grant")
    assert world.ledger.entries == {}


def test_configured_property_names_are_honoured(world):
    world.settings = replace(world.settings, grant_points_property="points_gift", birthday_property="birthdate")
    assert world.deliver(prop(1, "loyalty_grant_points", "40")).status == "ignored"
    assert world.deliver(prop(1, "points_gift", "40", event_id=3)).points == 40
    world.deliver(prop(1, "birthdate", "1990-05-17", event_id=4))
    assert world.member().birthday == date(1990, 5, 17)


def _erased_state(order):
    world = World()
    world.deliver(event("contact.creation", 1))
    world.deliver(prop(1, "loyalty_grant_points", "40"))
    world.deliver(prop(1, "date_of_birth", "1990-05-17", event_id=3))
    outcomes = [world.deliver(event(kind, 1, event_id=10 + i)) for i, kind in enumerate(order)]
    return world.member(), [o.status for o in outcomes]


@pytest.mark.parametrize("order", [
    ["contact.deletion", "contact.privacyDeletion"],
    ["contact.privacyDeletion", "contact.deletion"],
    ["contact.privacyDeletion", "contact.deletion", "contact.privacyDeletion", "contact.deletion"],
])
def test_deletion_and_privacy_deletion_erase_once_in_any_order(order):
    member, statuses = _erased_state(order)
    assert statuses == ["recorded"] + ["unchanged"] * (len(order) - 1)
    assert (member.email, member.first_name, member.birthday, member.identities) == (None, None, None, ())
    assert (member.points_balance, member.erased_at) == (40, CLOCK.now())
    assert member == _erased_state(["contact.deletion", "contact.privacyDeletion"])[0]


def test_an_erased_contact_never_takes_personal_data_again_nor_attaches_elsewhere(world):
    world.deliver(event("contact.privacyDeletion", 1))
    world.shopify_member()
    assert world.deliver(event("contact.creation", 1)).status == "unchanged"
    assert world.deliver(prop(1, "email", "ada@example.com", occurred_at=OCCURRED + HOUR)).status == "unchanged"
    assert world.member().email is None
    assert world.identities.resolve("demo", HUBSPOT_ADA).primary == HUBSPOT_ADA


def test_erasing_an_attached_contact_erases_the_member_it_belongs_to(world):
    shopify_id = world.shopify_member()
    world.deliver(event("contact.creation", 1))
    world.deliver(event("contact.deletion", 1, event_id=5))
    member = world.ledger.get_member("demo", shopify_id)
    assert (member.email, member.points_balance) == (None, 150)


def won(deal_id=77, value="closedwon", event_id=20, **extra):
    return prop(deal_id, "dealstage", value, event_id=event_id, kind="deal.propertyChange", **extra)


def test_a_won_deal_earns_points_on_its_amount_once_for_its_first_contact(world):
    shopify_id = world.shopify_member()
    world.api.deals["77"] = HubSpotDeal(Decimal("1234.56"), "usd", "closedwon", ("1", "2"))
    outcome = world.deliver(won())
    assert (outcome.status, outcome.points, outcome.member_id) == ("recorded", 1234, shopify_id)
    entry = world.ledger.entries[("demo", shopify_id)][-1]
    assert (entry.kind, entry.business_key, entry.base) == (EntryKind.EARN, f"hubspot:{PORTAL}:deal:77",
                                                            Money(Decimal("1234.56"), "USD"))
    assert world.deliver(won()).status == "unchanged"                          # re-delivery
    assert world.deliver(won(event_id=21, occurred_at=OCCURRED + HOUR)).status == "unchanged"   # won again
    assert world.ledger.get_member("demo", shopify_id).points_balance == 150 + 1234


def test_deal_points_follow_the_programs_earning_rules_and_the_members_tier():
    rules = ProgramRules(tiers=(Tier("member", Decimal(0), Decimal(2)),))
    world = World(rules=rules)
    world.api.deals["77"] = HubSpotDeal(Decimal("10.99"), None, "closedwon", ("1",))
    assert world.deliver(won()).points == 21        # 10.99 × 2 = 21.98, rounded down


@pytest.mark.parametrize(("deal", "reason"), [
    (None, "deal_not_found"),
    (HubSpotDeal(None, "USD", "closedwon", ("1",)), "deal_without_amount"),
    (HubSpotDeal(Decimal(0), "USD", "closedwon", ("1",)), "deal_without_amount"),
    (HubSpotDeal(Decimal(100), "USD", "closedwon", ()), "deal_without_contact"),
    (HubSpotDeal(Decimal(100), "EUR", "closedwon", ("1",)), "deal_in_another_currency"),
    (HubSpotDeal(Decimal("0.50"), "USD", "closedwon", ("1",)), "no_points_for_amount"),
])
def test_deals_that_cannot_earn_are_skipped_with_a_reason(world, deal, reason):
    if deal:
        world.api.deals["77"] = deal
    outcome = world.deliver(won())
    assert (outcome.status, outcome.reason) == ("skipped", reason)
    assert world.ledger.entries == {}


def test_other_stages_and_deals_without_an_access_token(world):
    assert world.deliver(won(value="appointmentscheduled")).status == "ignored"
    world.settings = replace(world.settings, access_token="")
    assert world.deliver(won()).status == "skipped"
    world.settings = replace(world.settings, access_token="t", won_stage="12345")
    world.api.deals["77"] = HubSpotDeal(Decimal(10), None, "12345", ("1",))
    assert world.deliver(won(value="12345", event_id=30)).points == 10


@pytest.mark.parametrize("body", [
    event("company.creation", 5), event("contact.merge", 5), event("contact.restore", 5),
    prop(1, "lifecyclestage", "customer"), prop(1, "firstname", "Ada", kind="deal.propertyChange"),
    {k: v for k, v in event("contact.creation", 5).items() if k != "subscriptionType"},
])
def test_anything_else_is_acknowledged_and_ignored(world, body):
    assert world.deliver(body).status == "ignored"
    assert (world.ledger.members, world.api.calls) == ({}, [])


def synced_world(*names):
    world = World()
    world.settings = replace(world.settings, synced_properties=names or ("lifecyclestage", "interests"))
    return world


def test_a_synced_property_is_kept_newest_first_and_cleared():
    world = synced_world()
    newer = world.deliver(prop(1, "lifecyclestage", "customer", event_id=3, occurred_at=OCCURRED + HOUR))
    assert (newer.status, world.member().hubspot_properties) == ("recorded", {"lifecyclestage": "customer"})
    older = world.deliver(prop(1, "lifecyclestage", "lead", event_id=4))          # an older notification, late
    assert (older.status, older.reason) == ("unchanged", "stale_or_erased")
    assert world.member().hubspot_properties == {"lifecyclestage": "customer"}
    world.deliver(prop(1, "interests", "vinyl;jazz", event_id=5))                  # each property on its own
    assert world.member().hubspot_properties == {"lifecyclestage": "customer", "interests": "vinyl;jazz"}
    assert world.deliver(prop(1, "lifecyclestage", "", event_id=6, occurred_at=OCCURRED + 2 * HOUR)).status == \
        "recorded"
    assert world.member().hubspot_properties == {"interests": "vinyl;jazz"}
    late = world.deliver(prop(1, "lifecyclestage", "lead", event_id=7, occurred_at=OCCURRED + HOUR + 1))
    assert (late.status, world.member().hubspot_properties) == ("unchanged", {"interests": "vinyl;jazz"})
    assert world.member().hubspot_properties_at["lifecyclestage"] == datetime.fromtimestamp(
        (OCCURRED + 2 * HOUR) / 1000, UTC)


def test_a_synced_value_too_long_or_redacted_is_skipped_with_a_reason_that_does_not_hold_it():
    world = synced_world()
    long = world.deliver(prop(1, "lifecyclestage", "x" * 1001))
    assert (long.status, long.reason) == ("skipped", "synced_value_too_long: at most 1,000 characters")
    redacted = world.deliver(prop(1, "lifecyclestage", "REDACTED", event_id=3))
    assert (redacted.status, redacted.reason.split(":")[0]) == ("skipped", "sensitive_property")
    assert world.ledger.members == {}
    assert world.deliver(prop(1, "lifecyclestage", "x" * 1000, event_id=4)).status == "recorded"


def test_properties_that_are_not_synced_are_ignored_as_before():
    world = synced_world("interests")
    assert world.deliver(prop(1, "lifecyclestage", "customer")).status == "ignored"
    assert (world.ledger.members, world.api.calls) == ({}, [])


def test_a_synced_birthday_property_is_both_the_birthday_and_a_synced_value():
    world = synced_world("date_of_birth")
    assert world.deliver(prop(1, "date_of_birth", "1990-05-17")).status == "recorded"
    assert (world.member().birthday, world.member().hubspot_properties) == (
        date(1990, 5, 17), {"date_of_birth": "1990-05-17"})
    bad = world.deliver(prop(1, "date_of_birth", "2031-01-01", event_id=3, occurred_at=OCCURRED + HOUR))
    assert (bad.status, bad.reason) == ("recorded", "invalid_birthday")       # kept as HubSpot has it, no birthday
    assert (world.member().birthday, world.member().hubspot_properties) == (
        date(1990, 5, 17), {"date_of_birth": "2031-01-01"})


def test_a_created_contact_brings_its_synced_properties_read_with_its_email():
    world = synced_world()
    world.api.contacts["1"] |= {"lifecyclestage": "customer", "interests": ""}
    assert world.deliver(event("contact.creation", 1)).status == "recorded"
    member = world.member()
    assert (member.email, member.hubspot_properties) == ("ada@example.com", {"lifecyclestage": "customer"})
    assert member.hubspot_properties_at == {"lifecyclestage": datetime.fromtimestamp(OCCURRED / 1000, UTC)}
    assert world.api.calls == [("contact", "1")]                               # one read for everything
    newer = world.deliver(prop(1, "lifecyclestage", "evangelist", event_id=3, occurred_at=OCCURRED + HOUR))
    assert (newer.status, world.member().hubspot_properties["lifecyclestage"]) == ("recorded", "evangelist")


def test_a_created_contact_attached_to_a_shopify_member_gives_it_its_synced_properties():
    world = synced_world()
    world.api.contacts["1"] |= {"lifecyclestage": "customer"}
    shopify_id = world.shopify_member()
    outcome = world.deliver(event("contact.creation", 1))
    assert (outcome.reason, outcome.member_id) == ("attached", shopify_id)
    assert world.ledger.get_member("demo", shopify_id).hubspot_properties == {"lifecyclestage": "customer"}


def test_erasure_removes_the_synced_properties_and_none_come_back():
    world = synced_world()
    world.deliver(prop(1, "lifecyclestage", "customer"))
    world.deliver(event("contact.privacyDeletion", 1, event_id=9))
    assert (world.member().hubspot_properties, world.member().hubspot_properties_at) == ({}, {})
    late = world.deliver(prop(1, "interests", "jazz", event_id=10, occurred_at=OCCURRED + HOUR))
    assert (late.status, world.member().hubspot_properties) == ("unchanged", {})


def test_a_merged_contact_s_synced_properties_move_to_the_surviving_member():
    world = synced_world()
    world.deliver(prop(1, "lifecyclestage", "customer"))                      # the contact's own member
    shopify_id = world.shopify_member()
    merged = world.deliver(prop(1, "email", "ada@example.com", event_id=3, occurred_at=OCCURRED + HOUR))
    assert (merged.reason, merged.member_id) == ("merged", shopify_id)
    assert world.ledger.get_member("demo", shopify_id).hubspot_properties == {"lifecyclestage": "customer"}
    assert world.member().hubspot_properties == {}
