"""One contract, run against the in-memory fake and the DynamoDB adapter (moto), so the fake cannot drift."""
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from chalicelib.domain.accounting import FulfillmentRecord, OrderAccount, RefundRecord
from chalicelib.domain.audit import audit_record
from chalicelib.domain.errors import ConcurrentChange, DuplicateEntry, InvalidRequest
from chalicelib.domain.ledger import EntryKind, Identity, LedgerEntry, MemberHints, entry_id_for, member_id_for
from tests.fakes import FixedClock, InMemoryLedger

NOW = FixedClock().now()

SHOP = "demo-shop.myshopify.com"
ADA = Identity("shopify", f"{SHOP}:7390012345678901234")
HINTS = MemberHints(email="Ada@Example.com", first_name="Ada")


def earn(key: str, points: int = 10, minutes: int = 0) -> LedgerEntry:
    at = FixedClock().now() + timedelta(minutes=minutes)
    return LedgerEntry(entry_id=entry_id_for(key), business_key=key, kind=EntryKind.EARN, points=points,
                       occurred_at=at, recorded_at=at, source={"order_id": key})


class LedgerContract:
    @pytest.fixture
    def ledger(self):
        raise NotImplementedError

    def test_append_creates_the_member_with_the_entry_applied(self, ledger):
        member_id = ledger.append("demo", ADA, HINTS, earn("o1", 25))
        member = ledger.get_member("demo", member_id)
        assert (member.points_balance, member.pending_points, member.lifetime_points) == (25, 0, 25)
        assert member.email == "ada@example.com"
        assert ADA.key in member.identities

    def test_a_recorded_fact_is_refused_and_changes_nothing(self, ledger):
        member_id = ledger.append("demo", ADA, HINTS, earn("o1", 25))
        with pytest.raises(DuplicateEntry):
            ledger.append("demo", ADA, HINTS, replace(earn("o1", 25), recorded_at=FixedClock().now() + timedelta(1)))
        assert ledger.get_member("demo", member_id).points_balance == 25
        assert len(ledger.ledger("demo", member_id, None, 50).entries) == 1

    def test_entries_for_one_identity_accumulate_on_one_member(self, ledger):
        first = ledger.append("demo", ADA, HINTS, earn("o1", 25))
        second = ledger.append("demo", ADA, MemberHints(email="new@example.com"), earn("o2", 5, minutes=1))
        assert first == second
        member = ledger.get_member("demo", first)
        assert (member.points_balance, member.email) == (30, "ada@example.com")   # hints never overwrite

    def test_members_are_found_by_email_whatever_its_case(self, ledger):
        member_id = ledger.append("demo", ADA, HINTS, earn("o1"))
        assert [m.member_id for m in ledger.find_by_email("demo", " ADA@example.COM")] == [member_id]
        assert ledger.find_by_email("demo", "nobody@example.com") == []

    def test_a_merge_moves_balances_with_an_entry_on_each_side_and_happens_once(self, ledger):
        from chalicelib.domain.merges import plan_merge
        contact = Identity("hubspot", "62515:1")
        source_id = ledger.append("demo", contact, MemberHints(email="ada@example.com"), earn("grant", 40))
        target_id = ledger.append("demo", ADA, MemberHints(), earn("o1", 150, minutes=1))
        source, target = ledger.get_member("demo", source_id), ledger.get_member("demo", target_id)
        plan = plan_merge(source, target, target_id, ("member", "silver"), NOW + timedelta(minutes=2), "same person")
        ledger.merge_members("demo", plan, ADA, audit_record("system:identity", NOW, "member.merge", "member:x"))
        with pytest.raises(DuplicateEntry):
            ledger.merge_members("demo", plan, ADA, audit_record("system:identity", NOW, "member.merge", "member:x"))
        for member_id, balance, lifetime in ((source_id, 0, 0), (target_id, 190, 190)):
            member = ledger.get_member("demo", member_id)
            lines = ledger.ledger("demo", member_id, None, 50).entries
            assert (member.points_balance, member.lifetime_points) == (balance, lifetime)
            assert sum(e.points for e in lines) == balance
            assert sum(e.lifetime_delta for e in lines) == lifetime
        merged = ledger.get_member("demo", source_id)
        assert (merged.merged_into, merged.email) == (target_id, None)
        survivor = ledger.get_member("demo", target_id)
        assert (survivor.merged_from, survivor.email) == ((source_id,), "ada@example.com")
        assert contact.key in survivor.identities
        assert [m.member_id for m in ledger.find_by_email("demo", "ada@example.com")] == [target_id]
        assert ledger.find_by_email("demo", "ada@example.com", exclude=target_id) == []

    def test_the_ledger_pages_newest_first(self, ledger):
        member_id = ""
        for i in range(5):
            member_id = ledger.append("demo", ADA, HINTS, earn(f"o{i}", i + 1, minutes=i))
        seen, cursor = [], None
        while True:
            page = ledger.ledger("demo", member_id, cursor, 2)
            seen += [e.business_key for e in page.entries]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == ["o4", "o3", "o2", "o1", "o0"]

    def test_an_order_account_is_stored_with_its_entries_and_read_back_with_the_member(self, ledger):
        member_id = member_id_for("demo", ADA)
        now = FixedClock().now()
        account = replace(OrderAccount(shop=SHOP, order_id="1"), member_id=member_id, version=1,
                          refunds={"r1": RefundRecord(Decimal("1.50"), Decimal("0.10"), now)},
                          fulfillments={"f1": FulfillmentRecord("success", "delivered", now, now, now, ("9",))})
        ledger.commit_order("demo", account, None, [earn("o1", 25)], ADA, HINTS, now=NOW)
        stored, member = ledger.load_order("demo", SHOP, "1", member_id)[:2]
        assert stored == account
        assert member.points_balance == 25
        assert ledger.load_order("demo", SHOP, "2", None)[:2] == (None, None)

    def test_an_order_account_changed_since_it_was_read_is_refused_with_nothing_written(self, ledger):
        member_id = member_id_for("demo", ADA)
        account = replace(OrderAccount(shop=SHOP, order_id="1"), member_id=member_id, version=1)
        ledger.commit_order("demo", account, None, [earn("o1", 25)], ADA, HINTS, now=NOW)
        with pytest.raises(ConcurrentChange):
            ledger.commit_order("demo", replace(account, version=2), None, [earn("o2", 5)], ADA, HINTS, now=NOW)
        with pytest.raises(ConcurrentChange):
            ledger.commit_order("demo", replace(account, version=3), 2, [earn("o3", 5)], ADA, HINTS, now=NOW)
        assert ledger.get_member("demo", member_id).points_balance == 25
        ledger.commit_order("demo", replace(account, version=2), 1, [earn("o4", 5, minutes=1)], None, MemberHints(),
                            now=NOW)
        assert ledger.get_member("demo", member_id).points_balance == 30

    def test_product_tags_are_read_with_the_order_in_time_order(self, ledger, products):
        t = FixedClock().now()
        assert products.set_tags("demo", SHOP, "7", frozenset({"no-points"}), t)
        assert not products.set_tags("demo", SHOP, "7", frozenset(), t - timedelta(hours=1))
        assert products.set_tags("demo", SHOP, "8", frozenset(), t)
        read = ledger.load_order("demo", SHOP, "1", None, ["7", "8", "9"])
        assert read.product_tags == {"7": frozenset({"no-points"}), "8": frozenset()}

    def test_programs_never_see_each_other(self, ledger):
        member_id = ledger.append("demo", ADA, HINTS, earn("o1"))
        assert ledger.get_member("other", member_id) is None
        assert ledger.find_by_email("other", "ada@example.com") == []
        other_id = ledger.append("other", ADA, HINTS, earn("o1"))   # same fact key, other program: its own
        assert other_id != member_id


    def test_contact_changes_apply_in_time_order_only(self, ledger, profiles):
        t = FixedClock().now()
        assert profiles.set_contact("demo", ADA, "ada@example.com", "Ada", t)
        assert not profiles.set_contact("demo", ADA, "stale@example.com", None, t - timedelta(hours=1))
        assert profiles.set_contact("demo", ADA, "Ada@New.example", None, t + timedelta(hours=1))
        [member] = ledger.find_by_email("demo", "ada@new.example")
        assert (member.email, member.first_name, member.points_balance) == ("ada@new.example", "Ada", 0)
        assert ledger.find_by_email("demo", "ada@example.com") == []

    def test_consent_changes_apply_in_time_order_only(self, ledger, profiles):
        t = FixedClock().now()
        assert profiles.set_consent("demo", ADA, "subscribed", t)
        assert not profiles.set_consent("demo", ADA, "unsubscribed", t)
        member = ledger.get_member("demo", member_id_for("demo", ADA))
        assert (member.email_consent, member.consent_updated_at) == ("subscribed", t)

    def test_erasure_removes_personal_data_for_good_and_keeps_the_balance(self, ledger, profiles):
        member_id = ledger.append("demo", ADA, HINTS, earn("o1", 25))
        profiles.set_consent("demo", ADA, "subscribed", FixedClock().now())
        assert profiles.erase("demo", ADA, FixedClock().now())
        assert not profiles.erase("demo", ADA, FixedClock().now())
        ledger.append("demo", ADA, MemberHints(), earn("o2", 5, minutes=1))   # late points (services pass no hints)
        assert not profiles.set_contact("demo", ADA, "ada@example.com", "Ada", FixedClock().now() + timedelta(1))
        member = ledger.get_member("demo", member_id)
        assert (member.email, member.first_name, member.email_consent, member.identities) == (None, None, None, ())
        assert member.points_balance == 30
        assert ledger.find_by_email("demo", "ada@example.com") == []

    def test_synced_hubspot_properties_apply_newest_first_each_on_its_own(self, ledger, profiles):
        t, contact = FixedClock().now(), Identity("hubspot", "62515:1")
        assert profiles.set_hubspot_properties("demo", contact, {"lifecyclestage": "customer"}, t)  # a new member
        assert not profiles.set_hubspot_properties("demo", contact, {"lifecyclestage": "lead"}, t)   # not newer
        assert not profiles.set_hubspot_properties("demo", contact, {"lifecyclestage": "lead"}, t - timedelta(1))
        assert profiles.set_hubspot_properties("demo", contact, {"interests": "jazz;vinyl", "name": "x"},
                                               t - timedelta(hours=1))         # other properties: their own times
        assert profiles.set_hubspot_properties("demo", contact, {"lifecyclestage": None, "interests": "rock"},
                                               t + timedelta(hours=1))
        assert not profiles.set_hubspot_properties("demo", contact, {"lifecyclestage": "lead"}, t + timedelta(1 / 48))
        member = ledger.get_member("demo", member_id_for("demo", contact))
        assert member.hubspot_properties == {"interests": "rock", "name": "x"}       # cleared: absent
        assert member.hubspot_properties_at == {"lifecyclestage": t + timedelta(hours=1),
                                                "interests": t + timedelta(hours=1), "name": t - timedelta(hours=1)}
        # several at once, some newer and some not: the newer ones are kept
        assert profiles.set_hubspot_properties("demo", contact, {"name": "y", "interests": "pop"}, t)
        assert ledger.get_member("demo", member_id_for("demo", contact)).hubspot_properties == {
            "interests": "rock", "name": "y"}

    def test_erasure_removes_every_synced_hubspot_property_for_good(self, ledger, profiles):
        t, contact = FixedClock().now(), Identity("hubspot", "62515:1")
        profiles.set_hubspot_properties("demo", contact, {"lifecyclestage": "customer", "interests": None}, t)
        assert profiles.erase("demo", contact, t)
        assert not profiles.set_hubspot_properties("demo", contact, {"lifecyclestage": "lead"}, t + timedelta(1))
        member = ledger.get_member("demo", member_id_for("demo", contact))
        assert (member.hubspot_properties, member.hubspot_properties_at) == ({}, {})

    def test_a_merge_moves_synced_hubspot_properties_to_a_target_without_its_own(self, ledger, profiles):
        from chalicelib.domain.merges import plan_merge
        t, contact, other = FixedClock().now(), Identity("hubspot", "62515:1"), Identity("hubspot", "62515:2")
        source_id = ledger.append("demo", contact, MemberHints(email="ada@example.com"), earn("grant", 40))
        profiles.set_hubspot_properties("demo", contact, {"lifecyclestage": "customer", "interests": None}, t)
        target_id = ledger.append("demo", ADA, MemberHints(), earn("o1", 150, minutes=1))
        source, target = ledger.get_member("demo", source_id), ledger.get_member("demo", target_id)
        plan = plan_merge(source, target, target_id, ("member",), NOW + timedelta(minutes=2), "same person")
        ledger.merge_members("demo", plan, ADA, audit_record("system:identity", NOW, "member.merge", "member:x"))
        moved, gone = ledger.get_member("demo", target_id), ledger.get_member("demo", source_id)
        assert (moved.hubspot_properties, moved.hubspot_properties_at) == (
            {"lifecyclestage": "customer"}, {"lifecyclestage": t, "interests": t})
        assert (gone.hubspot_properties, gone.hubspot_properties_at) == ({}, {})

        other_id = ledger.append("demo", other, MemberHints(email="ada2@example.com"), earn("grant2", 5))
        profiles.set_hubspot_properties("demo", other, {"lifecyclestage": "lead"}, t)
        plan = plan_merge(ledger.get_member("demo", other_id), ledger.get_member("demo", target_id), target_id,
                          ("member",), NOW + timedelta(minutes=3), "same person")
        ledger.merge_members("demo", plan, ADA, audit_record("system:identity", NOW, "member.merge", "member:y"))
        assert ledger.get_member("demo", target_id).hubspot_properties == {"lifecyclestage": "customer"}  # its own
        assert ledger.get_member("demo", other_id).hubspot_properties == {}


class TestInMemoryLedger(LedgerContract):
    @pytest.fixture
    def ledger(self):
        return InMemoryLedger()

    @pytest.fixture
    def products(self, ledger):
        return ledger

    @pytest.fixture
    def profiles(self, ledger):
        return ledger


class DynamoDBContract(LedgerContract):
    def test_a_cursor_from_another_member_is_refused(self, ledger):
        ada = ledger.append("demo", ADA, HINTS, earn("o1", minutes=0))
        ledger.append("demo", ADA, HINTS, earn("o2", minutes=1))
        bob = ledger.append("demo", Identity("shopify", "demo-shop.myshopify.com:2"), MemberHints(), earn("o3"))
        cursor = ledger.ledger("demo", ada, None, 1).next_cursor
        with pytest.raises(InvalidRequest):
            ledger.ledger("demo", bob, cursor, 1)
        with pytest.raises(InvalidRequest):
            ledger.ledger("demo", bob, "garbage!", 1)


class TestDynamoDBLedgerOnMoto(DynamoDBContract):
    @pytest.fixture
    def ledger(self, aws):
        from chalicelib import bootstrap
        return bootstrap.get_ledger()

    @pytest.fixture
    def profiles(self, aws):
        from chalicelib import bootstrap
        return bootstrap.get_profiles()

    @pytest.fixture
    def products(self, aws):
        from chalicelib import bootstrap
        return bootstrap.get_products()


@pytest.mark.local_stack
class TestDynamoDBLedgerOnDynamoDBLocal(DynamoDBContract):
    @pytest.fixture
    def ledger(self, dynamodb_local_table):
        from chalicelib.adapters.dynamodb_ledger import DynamoDBLedger
        return DynamoDBLedger(*dynamodb_local_table)

    @pytest.fixture
    def profiles(self, dynamodb_local_table):
        from chalicelib.adapters.dynamodb_profiles import DynamoDBProfiles
        return DynamoDBProfiles(*dynamodb_local_table)

    @pytest.fixture
    def products(self, dynamodb_local_table):
        from chalicelib.adapters.dynamodb_profiles import DynamoDBProducts
        return DynamoDBProducts(*dynamodb_local_table)
