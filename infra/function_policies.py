"""Each packaged function gets a role of its own rights, from the one table infra/function_needs.py declares.

Chalice makes one role per function, each with the same placeholder policy (.chalice/policy-deny-all.json, which
denies everything: a template that skipped this step can do nothing). This step replaces it, for every function, with
its grants from the table and the right to write to its own log group alone. To pin that log group, each function is
named `loyalty-<stage>-<name>` and its log group is a resource of the template, with a retention. A function missing
from the table, or a table entry naming no packaged function, stops `make package`.

    python -m infra.function_policies dist/sam.yaml
"""
from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import yaml

from infra.function_needs import NEEDS, Grant

FUNCTION = "AWS::Serverless::Function"


def logical_id(name: str) -> str:
    """The resource name Chalice gives a function (`api_handler` is its API function, `APIHandler`)."""
    return "APIHandler" if name == "api_handler" else name.title().replace("_", "")


def function_name(name: str) -> dict[str, str]:
    return {"Fn::Sub": f"loyalty-${{Stage}}-{name}"}


def log_group_arn(name: str) -> dict[str, str]:
    """The function's own log group and its streams (CreateLogStream and PutLogEvents take these ARNs)."""
    return {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/"
                       f"loyalty-${{Stage}}-{name}:*"}


def statement(grant: Grant) -> dict[str, Any]:
    """A copy each time: a YAML dump would write a value shared by two statements as an alias."""
    found: dict[str, Any] = {"Sid": grant.sid, "Effect": "Allow", "Action": list(grant.actions),
                             "Resource": copy.deepcopy(list(grant.resources))}
    if grant.condition:
        found["Condition"] = copy.deepcopy(grant.condition)
    return found


def policy_document(name: str, grants: tuple[Grant, ...]) -> dict[str, Any]:
    logs = {"Sid": "OwnLogGroup", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [log_group_arn(name)]}
    return {"Version": "2012-10-17", "Statement": [logs, *(statement(g) for g in grants)]}


def add_function_policies(template: dict[str, Any], needs: dict[str, tuple[Grant, ...]] = NEEDS) -> dict[str, Any]:
    resources = template["Resources"]
    packaged = {name for name, r in resources.items() if r["Type"] == FUNCTION}
    declared = {logical_id(name): name for name in needs}
    if packaged != set(declared):
        raise ValueError(f"infra/function_needs.py and the packaged functions differ: functions without needs "
                         f"{sorted(packaged - set(declared))}, needs without a function "
                         f"{sorted(set(declared) - packaged)}")
    for logical, name in sorted(declared.items()):
        function = resources[logical]
        role = function["Properties"]["Role"]["Fn::GetAtt"][0]
        function["Properties"]["FunctionName"] = function_name(name)
        resources[f"{logical}LogGroup"] = {"Type": "AWS::Logs::LogGroup", "Properties": {
            "LogGroupName": {"Fn::Sub": f"/aws/lambda/loyalty-${{Stage}}-{name}"},
            "RetentionInDays": {"Ref": "LogRetentionDays"}}}
        depends = function.get("DependsOn", [])
        depends = [depends] if isinstance(depends, str) else depends
        function["DependsOn"] = [*depends, *({f"{logical}LogGroup"} - set(depends))]
        resources[role]["Properties"]["Policies"] = [{"PolicyName": name,
                                                      "PolicyDocument": policy_document(name, needs[name])}]
    return template


def main(argv: list[str]) -> int:
    path = Path(argv[0])
    template = yaml.safe_load(path.read_text())
    path.write_text(yaml.safe_dump(add_function_policies(template), sort_keys=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
