"""Identity links and birthdays: one contract for the in-memory fakes and the DynamoDB adapters (moto)."""
from datetime import date, timedelta

import pytest

from chalicelib.domain.ledger import EntryKind, Identity, LedgerEntry, MemberHints, entry_id_for, member_id_for
from chalicelib.services.ports.hubspot import IdentityLink
from tests.fakes import FixedClock, InMemoryIdentities, InMemoryLedger

SHOPIFY = Identity("shopify", "demo-shop.myshopify.com:7390012345678901234")
CONTACT = Identity("hubspot", "62515:123")
NOW = FixedClock().now()


def shopify_member(ledger) -> IdentityLink:
    entry = LedgerEntry(entry_id=entry_id_for("o1"), business_key="shopify:o1", kind=EntryKind.EARN, points=10,
                        occurred_at=NOW, recorded_at=NOW)
    return IdentityLink(ledger.append("demo", SHOPIFY, MemberHints(email="ada@example.com"), entry), SHOPIFY)


class IdentitiesContract:
    def test_an_unknown_identity_resolves_to_nothing(self, identities):
        assert identities.resolve("demo", CONTACT) is None

    def test_an_identity_links_to_its_own_member_once(self, identities):
        own = IdentityLink(member_id_for("demo", CONTACT), CONTACT)
        assert identities.link("demo", CONTACT, own) == own
        assert identities.resolve("demo", CONTACT) == own
        assert identities.resolve("other", CONTACT) is None

    def test_the_first_link_wins(self, ledger, identities):
        own = IdentityLink(member_id_for("demo", CONTACT), CONTACT)
        identities.link("demo", CONTACT, own)
        assert identities.link("demo", CONTACT, shopify_member(ledger)) == own
        assert identities.resolve("demo", CONTACT) == own

    def test_linking_to_another_member_adds_the_identity_to_it(self, ledger, identities):
        target = shopify_member(ledger)
        assert identities.link("demo", CONTACT, target) == target
        assert identities.resolve("demo", CONTACT) == target
        member = ledger.get_member("demo", target.member_id)
        assert member.identities == (CONTACT.key, SHOPIFY.key)
        assert member.points_balance == 10

    def test_no_link_to_a_missing_or_erased_member(self, ledger, profiles, identities):
        missing = IdentityLink(member_id_for("demo", SHOPIFY), SHOPIFY)
        assert identities.link("demo", CONTACT, missing) is None
        assert identities.resolve("demo", CONTACT) is None
        target = shopify_member(ledger)
        profiles.erase("demo", SHOPIFY, NOW)
        assert identities.link("demo", CONTACT, target) is None
        assert identities.resolve("demo", CONTACT) is None
        assert ledger.get_member("demo", target.member_id).identities == ()

    def test_birthdays_apply_newest_first_and_go_with_an_erasure(self, ledger, profiles):
        assert profiles.set_birthday("demo", CONTACT, date(1990, 5, 17), NOW)
        assert not profiles.set_birthday("demo", CONTACT, date(1991, 1, 1), NOW - timedelta(hours=1))
        member_id = member_id_for("demo", CONTACT)
        assert ledger.get_member("demo", member_id).birthday == date(1990, 5, 17)
        assert profiles.set_birthday("demo", CONTACT, None, NOW + timedelta(hours=1))
        assert ledger.get_member("demo", member_id).birthday is None
        profiles.set_birthday("demo", CONTACT, date(1990, 5, 17), NOW + timedelta(hours=2))
        profiles.erase("demo", CONTACT, NOW)
        assert not profiles.set_birthday("demo", CONTACT, date(1990, 5, 17), NOW + timedelta(hours=3))
        assert ledger.get_member("demo", member_id).birthday is None


class TestInMemoryIdentities(IdentitiesContract):
    @pytest.fixture
    def ledger(self):
        return InMemoryLedger()

    @pytest.fixture
    def profiles(self, ledger):
        return ledger

    @pytest.fixture
    def identities(self, ledger):
        return InMemoryIdentities(ledger)


class TestDynamoDBIdentitiesOnMoto(IdentitiesContract):
    @pytest.fixture
    def ledger(self, aws):
        from chalicelib import bootstrap
        return bootstrap.get_ledger()

    @pytest.fixture
    def profiles(self, aws):
        from chalicelib import bootstrap
        return bootstrap.get_profiles()

    @pytest.fixture
    def identities(self, aws):
        from chalicelib import bootstrap
        return bootstrap.get_identities()

    def test_the_link_item_has_the_documented_key_and_no_personal_data(self, ledger, identities, aws):
        identities.link("demo", CONTACT, shopify_member(ledger))
        item = aws.client("dynamodb").get_item(TableName="loyalty-local", Key={
            "PK": {"S": "P#demo#I#hubspot:62515:123"}, "SK": {"S": "LINK"}})["Item"]
        assert {k: v["S"] for k, v in item.items()} == {
            "PK": "P#demo#I#hubspot:62515:123", "SK": "LINK", "type": "identity_link", "identity": CONTACT.key,
            "member_id": member_id_for("demo", SHOPIFY), "primary": SHOPIFY.key}
