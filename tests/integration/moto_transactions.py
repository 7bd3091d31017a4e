"""moto's TransactWriteItems keeps a deep copy of the whole table to roll back to, made once per item of the
transaction (moto/dynamodb/models/__init__.py, `transact_write_items`): a ten-item ledger transaction on a table of a
year of demo data copies it ten times. Every copy is taken before the first write, so they are all the same backup;
`install()` makes moto take one per table per transaction, which changes nothing but the time.
`tests/integration/test_moto_state.py` holds a cancelled transaction to rolling back every item."""
from __future__ import annotations

import copy
import threading
from functools import wraps
from types import SimpleNamespace
from typing import Any

from moto.dynamodb import models
from moto.dynamodb.models.table import Table

_backups = threading.local()


def _deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
    taken = getattr(_backups, "tables", None)
    if taken is None or not isinstance(value, Table):
        return copy.deepcopy(value, memo)
    if id(value) not in taken:
        taken[id(value)] = (value, copy.deepcopy(value, memo))
    return taken[id(value)][1]


def install() -> None:
    backend = models.DynamoDBBackend
    if getattr(backend.transact_write_items, "one_backup_per_table", False):
        return
    transact = backend.transact_write_items

    @wraps(transact)
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        _backups.tables = {}
        try:
            return transact(self, transact_items)
        finally:
            _backups.tables = None

    transact_write_items.one_backup_per_table = True  # type: ignore[attr-defined]
    backend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    models.copy = SimpleNamespace(deepcopy=_deepcopy)  # type: ignore[attr-defined]
