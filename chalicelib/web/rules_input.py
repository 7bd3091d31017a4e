"""A rules body → `ProgramRules`, or one 400 listing every problem (POST /admin/rules, a dry run, the rules CLI).

Each field is checked against its shape (web/shapes/rules.py), then the rules across fields (the domain's
`rule_problems`) on every part whose fields have their shape, so a refusal names everything at once.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.program import ProgramRules
from chalicelib.domain.rules_codec import MAX_JSON, offset_time, rule_problems, rules_from_json
from chalicelib.services.dry_run import Proposal, range_problems
from chalicelib.services.rules_admin import generated_version
from chalicelib.web.shapes.reading import problems
from chalicelib.web.shapes.rules import DryRunRequest, Rules


def read_rules(body: Any, now: datetime, version: str | None = None) -> ProgramRules:
    """Rules from a body; what it leaves out (or null) of `version` and `effective_from` is `version` (a name
    after now by default) and now."""
    if not isinstance(body, Mapping):
        raise InvalidRequest("send the rules as a JSON object", code="invalid_body")
    data = {**body, "version": (version or generated_version(now)) if body.get("version") is None else body["version"],
            "effective_from": now.isoformat() if body.get("effective_from") is None else body["effective_from"]}
    if len(json.dumps(data, default=str)) > MAX_JSON:
        raise InvalidRequest(f"rules: at most {MAX_JSON:,} characters of JSON are taken", code="invalid_rules")
    shaped = problems(data, Rules)
    found = shaped + rule_problems(data, lambda path: not any(_within(problem, path) for problem in shaped))
    if found:
        raise InvalidRequest("; ".join(found), code="invalid_rules")
    return rules_from_json(data)


def read_dry_run(body: Any, now: datetime) -> Proposal:
    """The proposed rules and the range of a dry run: `invalid_body` for the request around the rules, then
    `invalid_rules` for the rules."""
    if not isinstance(body, Mapping):
        raise InvalidRequest("send a JSON object: rules, from, to and optionally cursor", code="invalid_body")
    found = [p for p in problems(dict(body), DryRunRequest) if not p.startswith("rules.")]
    start = _time(body, "from", found)
    end = _time(body, "to", found)
    found += range_problems(start, end)
    if found:
        raise InvalidRequest("; ".join(found), code="invalid_body")
    return Proposal(read_rules(body["rules"], now, "dry-run"), start or now, end or now, body.get("cursor"))


def _time(body: Mapping[str, Any], name: str, found: list[str]) -> datetime | None:
    """The time at `name`, None when it has a problem (added to `found` when it has its shape but is no time)."""
    if any(_within(problem, name) for problem in found):
        return None
    at = offset_time(body[name])
    if at is None:
        found.append(f"{name}: an ISO-8601 time with an offset is required")
    return at


def _within(problem: str, path: str) -> bool:
    """Whether a problem names the field at `path` or a field inside it."""
    return problem.startswith((f"{path}:", f"{path}.", f"{path}["))
