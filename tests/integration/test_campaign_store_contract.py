"""The CampaignStore contract on FakeCampaigns (tests/fakes.py), on DynamoDBCampaigns over moto and over DynamoDB
Local: definitions under their versions, one entry per previous entry, enrollments in the Due index while due."""
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from chalicelib.adapters.dynamodb_campaigns import DynamoDBCampaigns
from chalicelib.adapters.dynamodb_due import DynamoDBDueWork
from chalicelib.adapters.dynamodb_ledger import DynamoDBLedger
from chalicelib.domain.audit import audit_record
from chalicelib.domain.campaigns import FINISHED, SEND, WAIT, WAIT_UNTIL, Campaign, Enrollment, Step
from chalicelib.domain.due import CAMPAIGN_TASK
from chalicelib.domain.errors import ConcurrentChange, DuplicateEntry
from chalicelib.domain.ledger import EntryKind, Identity, LedgerEntry, MemberHints, entry_id_for, member_id_for
from tests.fakes import FakeCampaigns, FixedClock, InMemoryLedger

NOW = FixedClock().now()
SHOP = "demo-shop.myshopify.com"


def campaign(campaign_id: str = "c_winback", version: int = 1, name: str = "Win-back") -> Campaign:
    steps = (Step("s1", SEND, {"subject": "We miss you", "blocks": [{"type": "text", "text": "Come back"}]}),
             Step("s2", WAIT_UNTIL, {"event": "click", "timeout_days": 3, "on_timeout": None}),
             Step("s3", WAIT, {"days": 2}))
    return Campaign(campaign_id=campaign_id, name=name, audience={"segment": "state:at_risk"}, trigger="audience",
                    steps=steps, reentry_days=180, status="active", version=version, created_at=NOW,
                    updated_at=NOW + timedelta(minutes=version), activated_at=NOW, template="winback")


def audit(action: str = "campaign.create"):
    return audit_record("k1", NOW, action, "campaign:c_winback", after={"version": 1})


def enrollment(member_id: str, minutes: int = 0, campaign_id: str = "c_winback") -> Enrollment:
    at = NOW + timedelta(minutes=minutes, microseconds=123456)
    return Enrollment(campaign_id, member_id, at, holdout=False, step_since=at, due_at=NOW + timedelta(minutes=minutes))


class CampaignStoreContract:
    @pytest.fixture
    def ledger(self):
        raise NotImplementedError

    @pytest.fixture
    def store(self, ledger):
        raise NotImplementedError

    @pytest.fixture
    def due(self, store):
        """The refs due by a time, as the campaign job finds them."""
        raise NotImplementedError

    @pytest.fixture
    def member(self, ledger):
        def create(n: int = 1) -> str:
            identity = Identity("shopify", f"{SHOP}:{1000 + n}")
            entry = LedgerEntry(entry_id=entry_id_for(f"signup:{n}"), business_key=f"signup:{n}", kind=EntryKind.BONUS,
                                points=10, occurred_at=NOW, recorded_at=NOW)
            return ledger.append("demo", identity, MemberHints(email=f"m{n}@example.com"), entry)
        return create

    def test_a_campaign_is_stored_listed_and_replaced_only_over_the_version_read(self, store):
        for campaign_id in ("c_b", "c_a", "c_winback"):
            store.add("demo", campaign(campaign_id), audit())
        assert store.get("demo", "c_winback") == campaign()
        assert store.get("other", "c_winback") is None
        assert [c.campaign_id for c in store.list("demo")] == ["c_a", "c_b", "c_winback"]
        store.replace("demo", campaign(version=2, name="Win-back 2"), 1, audit("campaign.update"))
        with pytest.raises(ConcurrentChange):
            store.replace("demo", campaign(version=2, name="lost"), 1, audit("campaign.update"))
        with pytest.raises(ConcurrentChange):
            store.replace("demo", campaign("c_nobody", version=2), 1, audit("campaign.update"))
        assert store.get("demo", "c_winback") == campaign(version=2, name="Win-back 2")
        assert store.get("demo", "c_nobody") is None
        assert store.list("other") == []

    def test_a_taken_campaign_id_is_refused_and_the_stored_one_kept(self, store):
        store.add("demo", campaign(), audit())
        with pytest.raises(DuplicateEntry):
            store.add("demo", campaign(name="Another"), audit())
        assert store.get("demo", "c_winback").name == "Win-back"

    def test_a_member_enters_once_over_each_previous_entry(self, store, ledger, member):
        member_id = member()
        first, second = enrollment(member_id), enrollment(member_id, minutes=5)
        assert store.enter("demo", first, None, NOW)
        assert not store.enter("demo", second, None, NOW)
        assert store.enter("demo", second, first.entered_at, NOW)
        assert not store.enter("demo", enrollment(member_id, minutes=9), first.entered_at, NOW)
        assert not store.enter("demo", second, second.entered_at, NOW)              # the same enrollment again
        assert ledger.get_member("demo", member_id).campaigns == {"c_winback": second.entered_at}
        assert [e.ref for e in store.enrollments("demo", "c_winback")] == [first.ref, second.ref]

    def test_a_member_without_a_profile_never_enters(self, store):
        nobody = enrollment(member_id_for("demo", Identity("shopify", f"{SHOP}:404")))
        assert not store.enter("demo", nobody, None, NOW)
        assert store.enrollment("demo", nobody.ref) is None

    def test_an_enrollment_is_found_by_its_ref_and_a_malformed_ref_finds_nothing(self, store, member):
        stored = replace(enrollment(member()), offer_cost=Decimal("2.50"), points_granted=50, holdout=True)
        store.enter("demo", stored, None, NOW)
        assert store.enrollment("demo", stored.ref) == stored
        assert store.enrollment("other", stored.ref) is None
        micros = stored.ref.rsplit("/", 1)[1]
        for ref in ("", "x", "c_winback/m", f"{stored.ref}/1", f"c_winback/{stored.member_id}/-1",
                    f"c_winback/{stored.member_id}/0{micros}", f"c_winback/{stored.member_id}/{int(micros) + 1}",
                    f"/{stored.member_id}/{micros}", f"c_winback/{stored.member_id}/1e5", "x" * 3000 + "/m/1",
                    f"c_winback/{stored.member_id}/{'9' * 25}", f"c_winback/{stored.member_id}/\u00b2", "c/\ud800/1"):
            assert store.enrollment("demo", ref) is None, ref
            assert not store.clicked("demo", ref, NOW, NOW), ref

    def test_an_update_moves_the_due_entry_and_a_finished_walk_leaves_the_index(self, store, due, member):
        entered = enrollment(member())
        store.enter("demo", entered, None, NOW)
        assert due(NOW) == [entered.ref]
        waiting = replace(entered, step=1, step_since=NOW, sent=1, due_at=NOW + timedelta(days=2))
        assert store.update("demo", waiting, NOW)
        assert due(NOW + timedelta(hours=1)) == []
        assert due(NOW + timedelta(days=2)) == [entered.ref]
        assert store.enrollment("demo", entered.ref) == replace(waiting, version=1)
        finished = replace(waiting, version=1, step=3, status=FINISHED, due_at=None, finished_at=NOW,
                           reason="the last step", offer_cost=Decimal("1.25"))
        assert store.update("demo", finished, NOW + timedelta(days=2))
        assert due(NOW + timedelta(days=2)) == []
        assert store.enrollment("demo", entered.ref) == replace(finished, version=2)

    def test_an_update_over_a_stale_version_is_refused(self, store, member):
        entered = enrollment(member())
        store.enter("demo", entered, None, NOW)
        assert store.update("demo", replace(entered, step=1), NOW)
        assert not store.update("demo", replace(entered, step=2), NOW)
        assert not store.update("demo", enrollment(member(2)), NOW)                    # never entered
        assert store.enrollment("demo", entered.ref) == replace(entered, step=1, version=1)

    def test_a_click_brings_the_due_time_forward_and_never_back(self, store, due, member):
        entered = enrollment(member())
        store.enter("demo", entered, None, NOW)
        store.update("demo", replace(entered, step=1, due_at=NOW + timedelta(days=3)), NOW)
        assert store.clicked("demo", entered.ref, NOW + timedelta(hours=1), NOW + timedelta(hours=1, seconds=5))
        assert due(NOW + timedelta(hours=1)) == [entered.ref]
        assert store.clicked("demo", entered.ref, NOW + timedelta(hours=2), NOW + timedelta(hours=2))
        assert store.clicked("demo", entered.ref, NOW + timedelta(minutes=30), NOW + timedelta(hours=2))
        found = store.enrollment("demo", entered.ref)
        assert (found.clicked_at, found.due_at, found.version) == (NOW + timedelta(hours=2),
                                                                   NOW + timedelta(minutes=30), 4)
        assert due(NOW + timedelta(minutes=29)) == []
        assert not store.update("demo", replace(entered, version=1, due_at=NOW + timedelta(days=3)), NOW)

    def test_a_click_on_a_finished_or_unknown_enrollment_answers_false(self, store, due, member):
        entered = enrollment(member())
        store.enter("demo", entered, None, NOW)
        store.update("demo", replace(entered, status=FINISHED, due_at=None, finished_at=NOW), NOW)
        assert not store.clicked("demo", entered.ref, NOW + timedelta(hours=1), NOW + timedelta(hours=1))
        assert store.enrollment("demo", entered.ref).clicked_at == NOW + timedelta(hours=1)     # kept for reports
        assert due(NOW + timedelta(days=1)) == []
        assert not store.clicked("demo", enrollment(member(2)).ref, NOW, NOW)

    def test_every_enrollment_of_a_campaign_is_listed_by_member_across_pages(self, store, member):
        members = sorted(member(n) for n in range(5))
        for n, member_id in enumerate(members):
            store.enter("demo", enrollment(member_id, minutes=n), None, NOW)
        store.enter("demo", enrollment(members[0], minutes=9, campaign_id="c_other"), None, NOW)
        found = list(store.enrollments("demo", "c_winback"))
        assert [e.member_id for e in found] == members
        assert found[2] == enrollment(members[2], minutes=2)
        assert list(store.enrollments("demo", "c_none")) == []


class TestFakeCampaigns(CampaignStoreContract):
    @pytest.fixture
    def ledger(self):
        return InMemoryLedger()

    @pytest.fixture
    def store(self, ledger):
        return FakeCampaigns(ledger)

    @pytest.fixture
    def due(self, store):
        return lambda until: store.due("demo", until)


class DynamoDBContract(CampaignStoreContract):
    """Pages of two, so that every listing reads several pages."""

    @pytest.fixture
    def table(self):
        raise NotImplementedError

    @pytest.fixture
    def ledger(self, table):
        return DynamoDBLedger(*table)

    @pytest.fixture
    def store(self, table):
        return DynamoDBCampaigns(*table, page_size=2)

    @pytest.fixture
    def due(self, table):
        work = DynamoDBDueWork(*table, clock=FixedClock())
        return lambda until: [item.ref for item in work.due("demo", CAMPAIGN_TASK, until)]

    def test_the_items_have_the_documented_keys_and_the_profile_the_last_entry(self, store, table, member):
        name, client = table
        entered = enrollment(member())
        store.add("demo", campaign(), audit())
        store.enter("demo", entered, None, NOW)
        micros = entered.ref.rsplit("/", 1)[1]
        item = client.get_item(TableName=name, Key={"PK": {"S": "P#demo#CAMPAIGN#c_winback"},
                                                    "SK": {"S": f"E#{entered.member_id}#{int(micros):020d}"}})["Item"]
        assert item["DUESK"] == {"S": f"{NOW:%Y-%m-%dT%H:%M:%S}Z#{entered.ref}"}
        assert item["version"] == {"N": "0"}
        assert "Item" in client.get_item(TableName=name, Key={"PK": {"S": "P#demo#CAMPAIGNS"},
                                                              "SK": {"S": "C#c_winback"}})
        profile = client.get_item(TableName=name, Key={"PK": {"S": f"P#demo#M#{entered.member_id}"},
                                                       "SK": {"S": "PROFILE"}})["Item"]
        assert profile["ce_c_winback"] == {"S": entered.entered_at.isoformat()}


class TestDynamoDBCampaignsOnMoto(DynamoDBContract):
    @pytest.fixture
    def table(self, aws):
        from chalicelib import bootstrap
        return bootstrap.get_settings().table_name, bootstrap.client("dynamodb")


@pytest.mark.local_stack
class TestDynamoDBCampaignsOnDynamoDBLocal(DynamoDBContract):
    @pytest.fixture
    def table(self, dynamodb_local_table):
        return dynamodb_local_table
