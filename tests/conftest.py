"""Test environment: fake AWS credentials and no real endpoints, set before anything imports boto3 clients."""
import os

import pytest
from _pytest import runner

for _name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL") or n == "AWS_PROFILE"]:
    del os.environ[_name]
os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_DEV": "false",
    "LOYALTY_STAGE": "local",
})


def _share_service_models() -> None:
    """Every boto3 session of the test process reads AWS's service models from one loader: a test makes a dozen
    clients (the local bootstrap's and the app's), and each new session would parse the same JSON models again
    (about half a second per test). The models are read-only data; moto's mocking sits in the clients' event hooks."""
    from functools import cache

    import botocore.loaders
    import botocore.session

    botocore.session.create_loader = cache(botocore.loaders.create_loader)


_share_service_models()


# `LOYALTY_TEST_NOW=<ISO-8601>` runs the tests as if the machine's clock said that (and ticked on from there):
# `make test` runs the unit and integration tests a second time years ahead at 23:59 UTC, which proves that no
# test and no business rule depends on today's real date or time of day.
if os.environ.get("LOYALTY_TEST_NOW"):
    from datetime import datetime

    import time_machine

    _travel = time_machine.travel(datetime.fromisoformat(os.environ["LOYALTY_TEST_NOW"]), tick=True)
    _travel.start()


def _in_a_stack_chunk_of_its_own(call):
    return call()


# CPython 3.11 keeps frames in 16 KiB chunks and frees a chunk as soon as the first frame in it returns: a function
# called in a hot loop right on a chunk boundary maps and unmaps memory on every call (seen: the KPI test 15 times
# slower under pytest-xdist than alone, only the depth of pytest's own frames differing). A frame this big opens a
# 2 MiB chunk with about 1 MiB free above it, so a test run from it never reaches a boundary.
_in_a_stack_chunk_of_its_own.__code__ = _in_a_stack_chunk_of_its_own.__code__.replace(co_stacksize=1 << 17)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    """pytest's own protocol (setup, call, teardown and their reports), run from that frame."""
    return _in_a_stack_chunk_of_its_own(lambda: runner.pytest_runtest_protocol(item, nextitem))


@pytest.fixture
def platform_server():
    """A local HTTP server standing in for HubSpot and Shopify (tests/platform_server.py)."""
    from tests.platform_server import PlatformServer
    server = PlatformServer().start()
    yield server
    server.stop()
