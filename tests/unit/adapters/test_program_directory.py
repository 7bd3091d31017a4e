"""ParameterProgramDirectory against stubbed SSM and Secrets Manager clients (botocore's Stubber: every call the
code makes must be one queued here, so a call too many fails the test).

"Not found" is an answer, remembered for the cache age in a bounded set; throttling or any other failure is not an
answer: it raises TemporarilyUnavailable and is never remembered as "unknown".
"""
from __future__ import annotations

import json

import boto3
import pytest
from aws_lambda_powertools.utilities.parameters import SecretsProvider, SSMProvider
from botocore.stub import Stubber

from chalicelib.adapters.program_directory import ParameterProgramDirectory
from chalicelib.domain.errors import TemporarilyUnavailable

PREFIX = "/loyalty/test"
SHOP = "demo-shop.myshopify.com"


class Ticks:
    """A monotonic clock for cache ages that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticks():
    return Ticks()


@pytest.fixture
def stubs():
    ssm = boto3.client("ssm", region_name="eu-west-1")
    secrets = boto3.client("secretsmanager", region_name="eu-west-1")
    with Stubber(ssm) as ssm_stub, Stubber(secrets) as secrets_stub:
        yield ssm, secrets, ssm_stub, secrets_stub
        ssm_stub.assert_no_pending_responses()
        secrets_stub.assert_no_pending_responses()


def directory(stubs, ticks, **kwargs):
    ssm, secrets, _, _ = stubs
    return ParameterProgramDirectory(PREFIX, "loyalty/test", SSMProvider(boto3_client=ssm),
                                     SecretsProvider(boto3_client=secrets), max_age=300, monotonic=ticks, **kwargs)


def parameter(name, value):
    return {"Parameter": {"Name": name, "Type": "String", "Value": value, "Version": 1}}


def test_a_throttled_lookup_is_unavailable_not_unknown_and_is_not_remembered(stubs, ticks):
    _, _, ssm, _ = stubs
    name = f"{PREFIX}/shops/{SHOP}"
    ssm.add_client_error("get_parameter", "ThrottlingException", "Rate exceeded", 400)
    ssm.add_response("get_parameter", parameter(name, "demo"))
    found = directory(stubs, ticks)

    with pytest.raises(TemporarilyUnavailable) as raised:
        found.program_for_shop(SHOP)
    assert raised.value.retry_after > 0

    assert found.program_for_shop(SHOP) == "demo"      # asked again at once: the throttle was not cached


@pytest.mark.parametrize("code", ["InternalServerError", "AccessDeniedException"])
def test_other_failures_of_ssm_are_unavailable_too(stubs, ticks, code):
    _, _, ssm, _ = stubs
    ssm.add_client_error("get_parameter", code, "no", 500 if code.startswith("Internal") else 400)
    with pytest.raises(TemporarilyUnavailable):
        directory(stubs, ticks).program_for_portal("62515")


def test_a_throttled_secret_is_unavailable_and_a_missing_one_is_remembered(stubs, ticks):
    _, _, _, secrets = stubs
    secrets.add_client_error("get_secret_value", "ThrottlingException", "Rate exceeded", 400)
    secrets.add_client_error("get_secret_value", "ResourceNotFoundException", "gone", 400)
    found = directory(stubs, ticks)

    with pytest.raises(TemporarilyUnavailable):
        found.shopify_secrets("demo")
    assert found.shopify_secrets("demo") == []
    assert found.shopify_secrets("demo") == []           # remembered: no third call (the stubber would refuse it)


def test_a_missing_parameter_is_asked_once_per_cache_age(stubs, ticks):
    _, _, ssm, _ = stubs
    ssm.add_client_error("get_parameter", "ParameterNotFound", "none", 400)
    ssm.add_client_error("get_parameter", "ParameterNotFound", "none", 400)
    found = directory(stubs, ticks)

    assert [found.program_for_portal("4242") for _ in range(50)] == [None] * 50     # one call
    ticks.now += 299
    assert found.program_for_portal("4242") is None                                # still remembered
    ticks.now += 1
    assert found.program_for_portal("4242") is None                                # expired: the second call


def test_misses_are_remembered_in_bounded_memory(stubs, ticks):
    _, _, ssm, _ = stubs
    for _ in range(11):
        ssm.add_client_error("get_parameter", "ParameterNotFound", "none", 400)
    found = directory(stubs, ticks, misses_remembered=4)

    for portal in range(1, 11):
        assert found.program_for_portal(str(portal)) is None
    assert len(found._missing) == 4
    assert found.program_for_portal("10") is None       # among the 4 most recent: no call
    assert found.program_for_portal("1") is None        # forgotten: asked again (call 11)
    assert found.program_for_portal("1") is None        # and remembered again


def test_names_no_parameter_can_have_are_not_looked_up(stubs, ticks):
    found = directory(stubs, ticks)
    assert found.program_for_shop("x" * 300 + ".myshopify.com") is None
    assert found.program_for_shop("bad shop/../x") is None
    assert found.program_for_portal("1" * 5000) is None


def test_listing_the_programs_when_ssm_throttles_is_unavailable(stubs, ticks):
    _, _, ssm, _ = stubs
    ssm.add_client_error("get_parameters_by_path", "ThrottlingException", "Rate exceeded", 400)
    ssm.add_response("get_parameters_by_path", {"Parameters": [
        {"Name": f"{PREFIX}/programs/demo/config", "Type": "String", "Value": json.dumps({}), "Version": 1}]})
    found = directory(stubs, ticks)
    with pytest.raises(TemporarilyUnavailable):
        found.programs()
    assert found.programs() == ["demo"]


def test_synced_properties_come_from_the_config_and_what_cannot_be_one_is_logged_once_without_values(
        stubs, ticks, caplog):
    _, _, ssm, secrets = stubs
    config = {"hubspot_grant_points_property": "gift",
              "hubspot_synced_properties": ["lifecyclestage", "Secret Value", "gift", "email", "interests"]}
    ssm.add_response("get_parameter", parameter(f"{PREFIX}/programs/demo/config", json.dumps(config)))
    secrets.add_client_error("get_secret_value", "ResourceNotFoundException", "gone", 400)
    found = directory(stubs, ticks)

    assert [found.hubspot_settings("demo").synced_properties for _ in range(3)] == [
        ("lifecyclestage", "interests")] * 3
    logged = [r for r in caplog.records if r.getMessage() == "hubspot_synced_properties_ignored"]
    assert [entry.ignored for entry in logged] == [[
        "hubspot_synced_properties[1]: a HubSpot contact property's internal name: 1 to 100 of a-z, 0-9 and _",
        "hubspot_synced_properties[2]: gift has a meaning of its own and is not a synced property",
        "hubspot_synced_properties[3]: email has a meaning of its own and is not a synced property"]]
    assert "Secret Value" not in caplog.text + json.dumps([vars(r) for r in logged], default=str)
