"""What a packaged function's role may do: every statement of its own policy and of policy resources attached to it."""
from __future__ import annotations

from typing import Any


def role_statements(template: dict[str, Any], function: str) -> list[dict[str, Any]]:
    """The statements of the role of the function whose resource name (logical id) is `function`."""
    resources = template["Resources"]
    role = resources[function]["Properties"]["Role"]["Fn::GetAtt"][0]
    policies = [p["PolicyDocument"] for p in resources[role]["Properties"].get("Policies", [])]
    policies += [r["Properties"]["PolicyDocument"] for r in resources.values()
                 if r["Type"] == "AWS::IAM::Policy" and {"Ref": role} in r["Properties"]["Roles"]]
    return [statement for policy in policies for statement in policy["Statement"]]


def actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def resources_of(statement: dict[str, Any]) -> list[Any]:
    resource = statement["Resource"]
    return resource if isinstance(resource, list) else [resource]
