"""DynamoDBShopIndex and the rules store on moto and on DynamoDB Local: pages join to the whole set, in order."""
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from chalicelib.adapters.dynamodb_audit import DynamoDBAuditTrail
from chalicelib.adapters.dynamodb_exports import DynamoDBShopIndex
from chalicelib.adapters.dynamodb_ledger import DynamoDBLedger
from chalicelib.adapters.dynamodb_rules import DynamoDBRules
from chalicelib.domain.accounting import AwardRecord, OrderAccount
from chalicelib.domain.audit import audit_record
from chalicelib.domain.errors import DuplicateEntry
from chalicelib.domain.ledger import EntryKind, Identity, LedgerEntry, MemberHints, entry_id_for
from chalicelib.domain.money import Money
from chalicelib.domain.program import DEFAULT_RULES
from chalicelib.domain.rules_codec import rules_from_json, rules_to_json
from tests.fakes import FixedClock

SHOP = "demo-shop.myshopify.com"
NOW = FixedClock().now()


def entry(key: str, minutes: int) -> LedgerEntry:
    at = NOW + timedelta(minutes=minutes)
    return LedgerEntry(entry_id=entry_id_for(key), business_key=key, kind=EntryKind.BONUS, points=10,
                       occurred_at=at, recorded_at=at, source={"shop": SHOP})


def populate(table: str, client) -> dict[str, list[str]]:
    """Nine members with 1 to 3 entries each, and seven order accounts; the entry ids of each member."""
    ledger = DynamoDBLedger(table, client)
    found: dict[str, list[str]] = {}
    for n in range(9):
        identity = Identity("shopify", f"{SHOP}:{100 + n}")
        for k in range(1 + n % 3):
            member_id = ledger.append("demo", identity, MemberHints(email=f"c{n}@example.com"), entry(f"b{n}:{k}", k))
            found.setdefault(member_id, []).append(entry_id_for(f"b{n}:{k}"))
    for n in range(7):
        award = AwardRecord(10 + n, Money(Decimal(10 + n), "USD"), Money(Decimal(10 + n), "USD"), "default-1", False,
                            NOW, None)
        ledger.commit_order("demo", OrderAccount(SHOP, str(900 + n), member_id="m_x", award=award), None, [], None,
                            MemberHints(), now=NOW)
    return found


class ShopIndexContract:
    @pytest.fixture
    def table(self):
        raise NotImplementedError

    def test_member_pages_join_to_every_member_once_and_the_last_page_has_no_cursor(self, table):
        expected = populate(*table)
        index, seen, cursor, sizes = DynamoDBShopIndex(*table), [], None, []
        while True:
            members, cursor = index.member_page("demo", SHOP, cursor, 2)
            seen += [m.member_id for m in members]
            sizes.append(len(members))
            if cursor is None:
                break
        assert sorted(seen) == sorted(expected)
        assert len(seen) == len(set(seen))
        assert sizes == [2, 2, 2, 2, 1]
        assert index.member_page("demo", SHOP, None, 1000)[0] == index.member_page("demo", SHOP, None, 9)[0]

    def test_ledger_pages_stop_inside_a_member_and_join_to_every_entry_in_order(self, table):
        expected = populate(*table)
        index, rows, cursor = DynamoDBShopIndex(*table), [], None
        while True:
            page, cursor = index.ledger_page("demo", SHOP, cursor, 2)
            assert 0 < len(page) <= 2
            rows += [(member_id, e.entry_id) for member_id, e in page]
            if cursor is None:
                break
        members = list(dict.fromkeys(m for m, _ in rows))
        assert [e for _, e in rows] == [e for m in members for e in expected[m]]
        assert sorted(members) == sorted(expected)
        assert len(rows) == 18

    def test_order_accounts_come_a_bounded_number_of_index_reads_at_a_time(self, table):
        populate(*table)
        index, seen, cursor, pages = DynamoDBShopIndex(*table), [], None, 0
        while True:
            accounts, cursor = index.order_accounts("demo", SHOP, cursor, 3)
            assert len(accounts) <= 3
            seen += [(a.order_id, a.award.points) for a in accounts]
            pages += 1
            if cursor is None:
                break
        assert sorted(seen) == [(str(900 + n), 10 + n) for n in range(7)]
        assert pages == 3
        assert set(index.profiles("demo", ["m_nobody"])) == set()

    def test_a_rules_version_is_stored_with_its_audit_record_and_its_name_and_time_only_once(self, table):
        rules, trail = DynamoDBRules(*table, max_age=0), DynamoDBAuditTrail(*table)
        version = rules_from_json({**rules_to_json(DEFAULT_RULES), "version": "winter",
                                   "effective_from": NOW.isoformat()})
        rules.add_version("demo", version, audit_record("k1", NOW, "rules.create", "rules:winter", after={"a": 1}))
        assert rules.versions("demo") == [version]
        [record] = trail.page("demo", None, 10)[0]
        assert (record.action, record.target) == ("rules.create", "rules:winter")
        for clash in (replace(version, version="winter", effective_from=NOW + timedelta(days=1)),
                      replace(version, version="spring")):
            with pytest.raises(DuplicateEntry):
                rules.add_version("demo", clash, audit_record("k1", NOW, "rules.create", "rules:x"))
        assert rules.versions("demo") == [version]
        assert len(trail.page("demo", None, 10)[0]) == 1


class TestOnMoto(ShopIndexContract):
    @pytest.fixture
    def table(self, aws):
        from chalicelib import bootstrap
        return bootstrap.get_settings().table_name, bootstrap.client("dynamodb")


@pytest.mark.local_stack
class TestOnDynamoDBLocal(ShopIndexContract):
    @pytest.fixture
    def table(self, dynamodb_local_table):
        return dynamodb_local_table
