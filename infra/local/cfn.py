"""The CloudFormation merge template as plain data: parameters, conditions and intrinsic functions resolved."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cfnlint.decode import decode_str

NO_VALUE = object()  # AWS::NoValue: the property is dropped
_SUB_VAR = re.compile(r"\$\{([^}]+)\}")


class Unresolved(Exception):
    """The value refers to a resource that is not created yet."""


@dataclass
class Created:
    """What Ref and Fn::GetAtt return for a resource that now exists."""

    ref: str
    attrs: dict[str, str] = field(default_factory=dict)


class Template:
    def __init__(self, text: str, parameters: Mapping[str, str], pseudo: Mapping[str, str]) -> None:
        doc, problems = decode_str(text)
        if problems or doc is None:
            raise ValueError(f"cannot parse the template: {problems}")
        self.doc = doc
        self.resources: dict[str, Any] = dict(doc.get("Resources", {}))
        self.params = {name: spec.get("Default") for name, spec in doc.get("Parameters", {}).items()}
        self.params.update(parameters)
        missing = [name for name, value in self.params.items() if value is None]
        if missing:
            raise ValueError(f"template parameters without a value: {', '.join(missing)}")
        self.pseudo = {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", **pseudo}
        self.created: dict[str, Created] = {}

    def condition(self, name: str) -> bool:
        return self._truth(self.doc["Conditions"][name])

    def resolve(self, value: Any) -> Any:
        """A property value with every intrinsic function evaluated (plain dict/list/str/int/bool)."""
        if isinstance(value, list):
            return [v for v in (self.resolve(x) for x in value) if v is not NO_VALUE]
        if isinstance(value, dict):
            if len(value) == 1:
                key, arg = next(iter(value.items()))
                if key == "Ref" or key.startswith("Fn::"):
                    return self._function(key, arg)
            resolved = {str(k): self.resolve(v) for k, v in value.items()}
            return {k: v for k, v in resolved.items() if v is not NO_VALUE}
        return str(value) if isinstance(value, str) else value

    def _function(self, key: str, arg: Any) -> Any:
        if key == "Ref":
            return self._ref(str(arg))
        if key == "Fn::GetAtt":
            name, attr = arg.split(".", 1) if isinstance(arg, str) else arg
            return self._attr(str(name), str(attr))
        if key == "Fn::Sub":
            return self._sub(arg)
        if key == "Fn::If":
            return self.resolve(arg[1] if self.condition(arg[0]) else arg[2])
        if key == "Fn::Join":
            return str(arg[0]).join(str(x) for x in self.resolve(arg[1]))
        if key == "Fn::Select":
            return self.resolve(arg[1])[int(self.resolve(arg[0]))]
        raise NotImplementedError(f"{key} is not supported by the local bootstrap (infra/local/cfn.py)")

    def _ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.params:
            return self.params[name]
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.created:
            return self.created[name].ref
        if name in self.resources:
            raise Unresolved(name)
        raise KeyError(f"!Ref {name}: no such parameter or resource")

    def _attr(self, name: str, attr: str) -> str:
        if name not in self.created:
            if name in self.resources:
                raise Unresolved(name)
            raise KeyError(f"!GetAtt {name}.{attr}: no such resource")
        try:
            return self.created[name].attrs[attr]
        except KeyError:
            raise NotImplementedError(f"!GetAtt {name}.{attr} is not provided by the local bootstrap") from None

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and name not in self.pseudo:
                return str(self._attr(*name.split(".", 1)))
            return str(self._ref(name))

        return _SUB_VAR.sub(replace, str(text))

    def _truth(self, expr: Any) -> bool:
        key, arg = next(iter(expr.items()))
        if key == "Fn::Equals":
            left, right = (self.resolve(x) for x in arg)
            return str(left) == str(right)
        if key == "Fn::Not":
            return not self._truth(arg[0])
        if key == "Fn::And":
            return all(self._truth(x) for x in arg)
        if key == "Fn::Or":
            return any(self._truth(x) for x in arg)
        if key == "Condition":
            return self.condition(str(arg))
        raise NotImplementedError(f"condition function {key} is not supported by the local bootstrap")
