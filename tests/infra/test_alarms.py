"""Alarms that reach a person: the alarm topic is encrypted with a key CloudWatch and EventBridge may use (the
AWS-managed SNS key would silently drop their notifications), and every alarm notifies it; the backlog and the SES
reputation alarms fire before SES reviews the account."""
from __future__ import annotations

import json
import re
from typing import Any

import pytest


@pytest.fixture
def resources(packaged: tuple[Any, dict[str, Any]]) -> dict[str, Any]:
    return packaged[1]["Resources"]


def test_the_alarm_topic_uses_a_key_that_cloudwatch_and_eventbridge_may_use(resources):
    assert resources["AlarmTopic"]["Properties"]["KmsMasterKeyId"] == {"Ref": "AlarmKey"}
    key = resources["AlarmKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    statements = {s["Sid"]: s for s in key["KeyPolicy"]["Statement"]}
    publish = statements["AlarmsAndRulesOfThisAccountPublish"]
    assert sorted(publish["Principal"]["Service"]) == ["cloudwatch.amazonaws.com", "events.amazonaws.com"]
    assert sorted(publish["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert publish["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    assert "alias/aws/sns" not in str(resources)


def test_every_alarm_notifies_the_topic_when_it_fires_and_when_it_clears(resources):
    alarms = {name: r["Properties"] for name, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    functions = [name for name, r in resources.items() if r["Type"] == "AWS::Serverless::Function"]
    # 3 dead-letter queues, backlog, parked, refused, scheduled failures, bounces, complaints, repairs; 2 per function
    assert len(alarms) == 10 + 2 * len(functions)
    for name, alarm in alarms.items():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
        assert alarm["OKActions"] == [{"Ref": "AlarmTopic"}], name


@pytest.mark.parametrize(("alarm", "metric", "threshold"), [
    ("IngestBacklogAlarm", "ApproximateAgeOfOldestMessage", 900),
    ("SesBounceRateAlarm", "Reputation.BounceRate", 0.04),          # SES reviews at 5 %
    ("SesComplaintRateAlarm", "Reputation.ComplaintRate", 0.0008),  # SES reviews at 0.1 %
])
def test_the_backlog_and_reputation_alarms_fire_before_trouble(resources, alarm, metric, threshold):
    found = resources[alarm]["Properties"]
    assert (found["MetricName"], found["Threshold"], found["TreatMissingData"]) == (metric, threshold, "notBreaching")


def test_the_repairs_alarm_adds_up_both_sources_of_the_metric_the_job_counts(resources):
    from chalicelib.domain.reconciliation import SOURCES
    from chalicelib.services.ports.metrics import RECONCILIATION_REPAIRS
    found = resources["ReconciliationRepairsAlarm"]["Properties"]
    [total, *parts] = found["Metrics"]
    assert total["Expression"] == " + ".join(p["Id"] for p in parts)
    assert sorted(p["Id"] for p in parts) == sorted(SOURCES)
    for part in parts:
        metric = part["MetricStat"]["Metric"]
        assert (metric["Namespace"], metric["MetricName"]) == ("Loyalty", RECONCILIATION_REPAIRS)
        assert {"Name": "source", "Value": part["Id"]} in metric["Dimensions"]
        assert part["MetricStat"]["Period"] == 3600
    assert (found["Threshold"], found["ComparisonOperator"]) == (10, "GreaterThanOrEqualToThreshold")


def test_every_function_has_an_errors_and_a_throttles_alarm(resources):
    functions = [name for name, r in resources.items() if r["Type"] == "AWS::Serverless::Function"]
    assert len(functions) >= 16
    for name in functions:
        for metric in ("Errors", "Throttles"):
            alarm = resources[f"{name}{metric}Alarm"]["Properties"]
            assert (alarm["Namespace"], alarm["MetricName"], alarm["Threshold"]) == ("AWS/Lambda", metric, 0)
            assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": name}}]


def test_a_scheduled_function_that_fails_its_retries_lands_in_the_failures_queue_it_may_send_to(resources):
    scheduled = sorted(name for name, r in resources.items() if r["Type"] == "AWS::Serverless::Function"
                       and any(e["Type"] == "Schedule" for e in r["Properties"].get("Events", {}).values()))
    assert {"Journey", "DispatchMessages", "OrdersDue", "Campaigns", "AnalyticsExport"} <= set(scheduled)
    configs = {r["Properties"]["FunctionName"]["Ref"]: r["Properties"] for r in resources.values()
               if r["Type"] == "AWS::Lambda::EventInvokeConfig"}
    assert sorted(configs) == scheduled
    for config in configs.values():
        assert config["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": ["ScheduledFailures", "Arn"]}
    policy = resources["ScheduledFailuresPolicy"]["Properties"]
    roles = {resources[name]["Properties"]["Role"]["Fn::GetAtt"][0] for name in scheduled}
    assert {r["Ref"] for r in policy["Roles"]} == roles
    assert policy["PolicyDocument"]["Statement"] == [{
        "Sid": "OnFailureDestination", "Effect": "Allow", "Action": "sqs:SendMessage",
        "Resource": {"Fn::GetAtt": ["ScheduledFailures", "Arn"]}}]


def test_one_dashboard_shows_the_business_metrics_beside_the_queues_and_the_alarms(resources):
    body = resources["OperationsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    names = set(re.findall(r"\$\{([^}]+)\}", body))
    assert {n.split(".")[0] for n in names} - {"Stage", "AWS::Region"} <= set(resources)   # every reference exists
    widgets = json.loads(re.sub(r"\$\{[^}]+\}", "x", body))["widgets"]
    shown = json.dumps(widgets)
    for metric in ("WebhooksAccepted", "WebhooksRefused", "DeliveriesApplied", "PointsAwarded", "PointsClawedBack",
                   "PointsRedeemed", "Redemptions", "MessagesSent", "MessagesFailed", "MessagesSkipped",
                   "MessagesDeferred", "ApproximateAgeOfOldestMessage", "ReconciliationRepairs"):
        assert metric in shown, metric
    [alarms] = [w["properties"]["alarms"] for w in widgets if w["type"] == "alarm"]
    fixed = {name for name, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"
             and not name.endswith(("ErrorsAlarm", "ThrottlesAlarm"))}
    assert len(alarms) == len(fixed)
    assert set(re.findall(r"\$\{(\w+)\.Arn\}", body)) == fixed          # the per-function ones have their own
