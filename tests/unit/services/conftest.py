import pytest

from tests.fakes import InMemoryLedger


@pytest.fixture
def ledger():
    return InMemoryLedger()
