"""Test environment: fake AWS credentials and no real endpoints, set before anything imports boto3 clients."""
import os

import pytest

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


# `LOYALTY_TEST_NOW=<ISO-8601>` runs the tests as if the machine's clock said that (and ticked on from there):
# `make test` runs the unit and integration tests a second time years ahead at 23:59 UTC, which proves that no
# test and no business rule depends on today's real date or time of day.
if os.environ.get("LOYALTY_TEST_NOW"):
    from datetime import datetime

    import time_machine

    _travel = time_machine.travel(datetime.fromisoformat(os.environ["LOYALTY_TEST_NOW"]), tick=True)
    _travel.start()


@pytest.fixture
def platform_server():
    """A local HTTP server standing in for HubSpot and Shopify (tests/platform_server.py)."""
    from tests.platform_server import PlatformServer
    server = PlatformServer().start()
    yield server
    server.stop()
