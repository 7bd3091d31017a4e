"""Fifty redemptions at once on AWS's DynamoDB Local: the balance covers three, exactly three succeed."""
import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from chalicelib.adapters.dynamodb_ledger import DynamoDBLedger
from chalicelib.adapters.dynamodb_redemptions import DynamoDBRedemptions
from chalicelib.domain.errors import LoyaltyError
from chalicelib.domain.ledger import EntryKind, Identity, LedgerEntry, MemberHints, entry_id_for
from chalicelib.domain.program import ProgramRules
from chalicelib.domain.rewards import Reward
from chalicelib.services.ports.programs import ApiKey
from chalicelib.services.redemptions import redeem
from tests.fakes import FixedClock

NOON = datetime(2026, 11, 23, 12, tzinfo=UTC)
REWARD = Reward(reward_id="rw_10", name="$10 off", kind="fixed_amount", value=Decimal(10), points_cost=300,
                created_at=NOON)
KEY = ApiKey(key_id="k_test", program_id="demo", scopes=frozenset({"write"}))


class Catalog:
    def list(self, program_id):
        return [REWARD]


@pytest.mark.local_stack
def test_fifty_parallel_redemptions_on_a_balance_that_covers_three(dynamodb_local_table):
    table, client = dynamodb_local_table
    ledger, store = DynamoDBLedger(table, client), DynamoDBRedemptions(table, client)
    grant = LedgerEntry(entry_id=entry_id_for("grant"), business_key="grant", kind=EntryKind.BONUS, points=950,
                        occurred_at=NOON, recorded_at=NOON)
    member_id = ledger.append("demo", Identity("shopify", "demo-shop.myshopify.com:1"), MemberHints(), grant)
    outcomes: list[object] = []
    lock = threading.Lock()
    start = threading.Barrier(50)

    def attempt(n: int) -> None:
        start.wait()
        try:
            result: object = redeem("rw_10", f"k{n}", member_id, KEY, store, ledger,
                                    Catalog(), ProgramRules(), FixedClock(NOON), shopify_connected=False)
        except LoyaltyError as e:
            result = e
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    made = [o for o in outcomes if isinstance(o, tuple)]
    refused = [o for o in outcomes if isinstance(o, LoyaltyError)]
    assert len(made) == 3
    assert {e.code for e in refused} == {"insufficient_points"}
    assert len(refused) == 47
    member = ledger.get_member("demo", member_id)
    assert (member.points_balance, member.spend_credit) == (50, 900)
    assert len(store.list("demo", member_id)) == 3
    assert sorted(e.points for e in ledger.ledger("demo", member_id, None, 100).entries) == [-300, -300, -300, 950]
