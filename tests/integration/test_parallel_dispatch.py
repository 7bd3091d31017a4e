"""Two dispatchers at once on AWS's DynamoDB Local: every message is sent exactly once."""
import threading
from datetime import UTC, datetime

import pytest

from chalicelib.adapters.dynamodb_due import DynamoDBDueWork
from chalicelib.adapters.dynamodb_ledger import DynamoDBLedger
from chalicelib.adapters.dynamodb_outbox import DynamoDBOutbox
from chalicelib.adapters.dynamodb_profiles import DynamoDBProfiles
from chalicelib.domain.gates import MessagingPolicy
from chalicelib.domain.ledger import Identity, member_id_for
from chalicelib.domain.messages import new_message
from chalicelib.messaging.composer import MessageComposer
from chalicelib.services.messaging import dispatch_messages
from chalicelib.services.ports.ledger import MemberChange
from chalicelib.services.ports.programs import MessagingSettings
from tests.fakes import StaticRules

NOON = datetime(2026, 11, 23, 12, tzinfo=UTC)
SETTINGS = MessagingSettings(program_name="Demo Rewards", sender_name="Demo", sender_email="rewards@demo.example",
                             postal_address="1 Demo Street", public_url="https://loyalty.demo.example",
                             unsubscribe_secrets=(b"k",), policy=MessagingPolicy())


class CountingMailer:
    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.lock = threading.Lock()

    def send_raw(self, raw: bytes, sender: str, recipient: str, configuration_set: str | None, *,
                 program_id: str, kind: str, member_id: str | None = None, message_id: str | None = None) -> str:
        with self.lock:
            self.sent.append(raw)
            return f"ses-{len(self.sent)}"


@pytest.mark.local_stack
def test_two_dispatchers_running_together_send_each_message_once(dynamodb_local_table):
    table, client = dynamodb_local_table
    ledger, profiles = DynamoDBLedger(table, client), DynamoDBProfiles(table, client)
    outbox, due = DynamoDBOutbox(table, client), DynamoDBDueWork(table, client)
    member_ids = []
    for i in range(20):
        identity = Identity("shopify", f"demo-shop.myshopify.com:{i}")
        profiles.set_contact("demo", identity, f"m{i}@example.com", "Ada", NOON)
        member_id = member_id_for("demo", identity)
        welcome = new_message(f"welcome:{member_id}", member_id, "welcome", NOON, {"balance": 0, "signup_bonus": 0})
        ledger.commit_member("demo", member_id, [], MemberChange(expected_version=None, check_version=False,
                                                                 messages=(welcome,)), NOON)
        member_ids.append(member_id)
    mailer = CountingMailer()

    def run() -> None:
        dispatch_messages("demo", NOON, due, outbox, ledger, profiles, MessageComposer(), mailer, SETTINGS,
                          StaticRules())

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(mailer.sent) == 20
    assert len({raw.split(b"Message-ID: <")[1].split(b"@")[0] for raw in mailer.sent}) == 20
    assert all(outbox.messages("demo", mid)[0].status == "sent" for mid in member_ids)
