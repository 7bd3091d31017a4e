"""The API's limits and access log in the packaged template: reserved concurrency on its function, throttling on its
stage, one JSON line per request without personal data, and the account setting API Gateway needs to write it."""
import json
import re

import pytest

PERSONAL = ("sourceIp", "userAgent", "caller", "user", "userArn", "accountId", "path", "requestOverride")


@pytest.fixture
def packaged(packaged):
    """The template of the build the infra tests share (tests/infra/conftest.py), a copy of the test's own."""
    return packaged[1]


def test_the_api_function_has_reserved_concurrency_and_the_stage_throttles_every_route(packaged):
    assert packaged["Resources"]["APIHandler"]["Properties"]["ReservedConcurrentExecutions"] == 50
    [setting] = packaged["Resources"]["RestAPI"]["Properties"]["MethodSettings"]
    assert (setting["ResourcePath"], setting["HttpMethod"]) == ("/*", "*")
    assert setting["ThrottlingRateLimit"] == {"Ref": "ApiThrottleRate"}
    assert setting["ThrottlingBurstLimit"] == {"Ref": "ApiThrottleBurst"}
    parameters = packaged["Parameters"]
    assert (parameters["ApiThrottleRate"]["Default"], parameters["ApiThrottleBurst"]["Default"]) == (50, 100)


def test_each_request_leaves_one_json_line_in_the_access_log_without_personal_data(packaged):
    found = packaged["Resources"]
    log = found["RestAPI"]["Properties"]["AccessLogSetting"]
    assert log["DestinationArn"] == {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:"
                                                "log-group:${ApiAccessLog}"}
    assert found["ApiAccessLog"]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    variables = re.findall(r"\$context\.([A-Za-z.]+)", log["Format"])
    line = json.loads(re.sub(r"\$context\.[A-Za-z.]+", "x", log["Format"]))
    assert {"requestId", "status", "route", "latencyMs"} <= set(line)
    assert "resourcePath" in variables            # the route's template: /admin/members/{member_id}
    assert not [v for v in variables if v.split(".")[-1] in PERSONAL or v.startswith("identity.")]
    assert "\n" not in log["Format"]


def test_api_gateway_has_the_account_role_it_writes_logs_with_before_the_stage_exists(packaged):
    found = packaged["Resources"]
    assert found["RestAPI"]["DependsOn"] == ["ApiGatewayAccount"]
    account = found["ApiGatewayAccount"]["Properties"]
    assert account["CloudWatchRoleArn"] == {"Fn::GetAtt": ["ApiGatewayLogsRole", "Arn"]}
    role = found["ApiGatewayLogsRole"]
    assert role["DeletionPolicy"] == "Retain"       # the account setting must never name a deleted role
    [trust] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "apigateway.amazonaws.com"}
