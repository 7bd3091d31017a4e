"""The HubSpot client against the loopback platform server, with its sleeps recorded instead of slept."""
from datetime import UTC, datetime

import pytest

from chalicelib.adapters.hubspot_api import HubSpotApi
from tests.fakes import FixedClock

HUBSPOT_TOKEN = "pat-na1-test-token"
HUBSPOT_NOW = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def hubspot_api(platform_server, sleeps):
    """A client of the platform server: `hubspot_api(time_zone=...)`; the account's time zone is UTC unless given."""
    def build(time_zone: str = "UTC") -> HubSpotApi:
        return HubSpotApi(platform_server.url, HUBSPOT_TOKEN, sleep=sleeps.append, timeout=(1, 1),
                          clock=FixedClock(HUBSPOT_NOW), time_zone=time_zone)
    return build
