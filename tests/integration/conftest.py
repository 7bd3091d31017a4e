"""In-process moto with every resource of infra/template.yaml, created by the local stack's own bootstrap."""
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
