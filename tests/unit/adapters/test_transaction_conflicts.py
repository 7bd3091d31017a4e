"""A transaction cancelled only by a conflict with another one is sent again; one whose condition failed is not."""
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters import dynamodb_conditions as conditions


class Client:
    def __init__(self, *outcomes: list[str] | None) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    def transact_write_items(self, TransactItems: Any) -> None:  # noqa: N803 (boto3's name)
        self.calls += 1
        reasons = self.outcomes.pop(0)
        if reasons is not None:
            raise ClientError({"Error": {"Code": "TransactionCanceledException"},
                               "CancellationReasons": [{"Code": r} for r in reasons]}, "TransactWriteItems")


def test_a_conflict_alone_is_tried_again_until_it_applies(monkeypatch):
    monkeypatch.setattr(conditions.time, "sleep", lambda _: None)
    client = Client(["None", "TransactionConflict"], ["TransactionConflict", "None"], None)
    assert conditions.cancellation(client, [{}]) is None
    assert client.calls == 3


def test_a_failed_condition_is_answered_at_once(monkeypatch):
    monkeypatch.setattr(conditions.time, "sleep", lambda _: None)
    client = Client(["ConditionalCheckFailed", "TransactionConflict"])
    assert conditions.cancellation(client, [{}]) == ["ConditionalCheckFailed", "TransactionConflict"]
    assert client.calls == 1


def test_conflicts_that_go_on_are_answered_after_the_retries(monkeypatch):
    monkeypatch.setattr(conditions.time, "sleep", lambda _: None)
    client = Client(*[["TransactionConflict"]] * (conditions.CONFLICT_RETRIES + 1))
    assert conditions.cancellation(client, [{}]) == ["TransactionConflict"]
    assert client.calls == conditions.CONFLICT_RETRIES + 1
