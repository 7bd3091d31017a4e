"""Alarms on every packaged function, added to `make package`'s template (only the packaged template knows them all).

For each function Chalice packaged: an alarm on its errors and one on its throttles, both to the alarm topic. For each
scheduled function (an EventBridge schedule invokes it asynchronously, so a failure has no queue to land in): an
on-failure destination, the `ScheduledFailures` queue of infra/template.yaml (whose depth has its own alarm), after
Lambda's two retries, and the right for the function's role to send to it.

    python -m infra.function_alarms dist/sam.yaml
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import yaml

FUNCTION = "AWS::Serverless::Function"
FAILURES = "ScheduledFailures"
PERIOD = 300


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def _alarm(function: str, metric: str, what: str) -> dict[str, Any]:
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": {
        "AlarmName": {"Fn::Sub": f"loyalty-${{Stage}}-{_kebab(function)}-{metric.lower()}"},
        "AlarmDescription": f"The function {function} {what} in the last 5 minutes (CloudWatch Logs of the function "
                            "say why; see the README's runbook).",
        "Namespace": "AWS/Lambda", "MetricName": metric,
        "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": function}}],
        "Statistic": "Sum", "Period": PERIOD, "EvaluationPeriods": 1, "Threshold": 0,
        "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
        "AlarmActions": [{"Ref": "AlarmTopic"}], "OKActions": [{"Ref": "AlarmTopic"}]}}


def _scheduled(resource: dict[str, Any]) -> bool:
    events = resource.get("Properties", {}).get("Events", {}) or {}
    return any(event.get("Type") == "Schedule" for event in events.values())


def add_function_alarms(template: dict[str, Any]) -> dict[str, Any]:
    resources = template["Resources"]
    functions = sorted(name for name, r in resources.items() if r["Type"] == FUNCTION)
    scheduled = [name for name in functions if _scheduled(resources[name])]
    for name in functions:
        resources[f"{name}ErrorsAlarm"] = _alarm(name, "Errors", "raised an error")
        resources[f"{name}ThrottlesAlarm"] = _alarm(name, "Throttles", "was throttled")
    for name in scheduled:
        resources[f"{name}InvokeConfig"] = {"Type": "AWS::Lambda::EventInvokeConfig", "Properties": {
            "FunctionName": {"Ref": name}, "Qualifier": "$LATEST", "MaximumRetryAttempts": 2,
            "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [FAILURES, "Arn"]}}}}}
    roles = sorted({resources[n]["Properties"]["Role"]["Fn::GetAtt"][0] for n in scheduled
                    if isinstance(resources[n]["Properties"].get("Role"), dict)})
    if roles:
        resources["ScheduledFailuresPolicy"] = {"Type": "AWS::IAM::Policy", "Properties": {
            "PolicyName": "scheduled-failures", "Roles": [{"Ref": role} for role in roles],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Sid": "OnFailureDestination", "Effect": "Allow", "Action": "sqs:SendMessage",
                "Resource": {"Fn::GetAtt": [FAILURES, "Arn"]}}]}}}
    return template


def main(argv: list[str]) -> int:
    path = Path(argv[0])
    template = yaml.safe_load(path.read_text())
    path.write_text(yaml.safe_dump(add_function_alarms(template), sort_keys=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
