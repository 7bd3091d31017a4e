"""AWS for the integration tests: in-process moto with every resource of infra/template.yaml (created by the
local stack's own bootstrap), and AWS's DynamoDB Local for the contract tests that must hold on the real engine.
Two shortcuts keep moto cheap without changing what it answers (tests/integration/test_moto_shortcuts.py): the
bootstrap runs once per test process and each test gets a copy of its result, and a transaction backs its table up
once, not once per item."""
import boto3
import pytest
from moto import mock_aws

from chalicelib import bootstrap as composition
from infra.local.bootstrap import bootstrap
from infra.local.settings import program_settings
from tests.integration import moto_state, moto_transactions

moto_transactions.install()


@pytest.fixture(scope="session")
def bootstrapped():
    """moto's data right after the local bootstrap, made once per test process (tests/integration/moto_state.py)."""
    with mock_aws():
        composition.reset()
        bootstrap(program_settings({}))
        return moto_state.snapshot()


@pytest.fixture
def aws(bootstrapped):
    """A fresh moto holding every resource of the template and the seeded program: a copy of `bootstrapped`."""
    with mock_aws():
        composition.reset()
        moto_state.restore(bootstrapped)
        yield boto3.Session()
    composition.reset()


@pytest.fixture(scope="session")
def dynamodb_local_endpoint():
    from infra.bench.local import dynamodb_local
    with dynamodb_local() as endpoint:
        yield endpoint


@pytest.fixture
def dynamodb_local_table(dynamodb_local_endpoint):
    """A fresh table, as the template defines it, on DynamoDB Local: (table name, client)."""
    from infra.bench.local import create_table, dynamodb_client
    client = dynamodb_client(dynamodb_local_endpoint)
    for name in client.list_tables()["TableNames"]:
        client.delete_table(TableName=name)
    return create_table(client), client
