"""AWS for the integration tests: in-process moto with every resource of infra/template.yaml (created by the
local stack's own bootstrap), and AWS's DynamoDB Local for the contract tests that must hold on the real engine."""
import boto3
import pytest
from moto import mock_aws

from chalicelib import bootstrap as composition
from infra.local.bootstrap import bootstrap
from infra.local.settings import program_settings


@pytest.fixture
def aws():
    with mock_aws():
        composition.reset()
        bootstrap(program_settings({}))
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
