"""What the admin API reads from a request, checked at the edge before a service or DynamoDB sees it.

Ids must have the shape of the ids we issue: an id of another shape names nothing (404), and a missing one is a 400.
Bodies are parsed here, never by Chalice's `json_body`: UTF-8, at most MAX_DEPTH levels deep, no NaN or Infinity,
no duplicate names, and text only of Unicode scalar values without control characters other than tab and newline.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any

from chalice import Blueprint

from chalicelib.domain.errors import InvalidRequest, NotFound
from chalicelib.domain.ids import API_KEY_ID, MEMBER_ID, PLATFORM_ID, RULES_VERSION, well_formed

MAX_DEPTH = 32
_STRUCTURE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')      # strings are skipped whole
_BAD_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_CLEAN = "text must be Unicode characters (no lone surrogates) without control characters other than tab and newline"


class _Refused(ValueError):
    """A JSON text the parser could read but we do not take."""


def member_in_path(member_id: str) -> str:
    if not well_formed(MEMBER_ID, member_id):
        raise NotFound("no member has this id (member ids are m_ and 24 hex digits)")
    return member_id


def member_in_query(bp: Blueprint) -> str:
    """`?member_id=`: 400 when it is missing, 404 when it cannot name a member (as in a path)."""
    params = bp.current_request.query_params
    member_id = params.get("member_id") if params else None
    if not member_id:
        raise InvalidRequest("member_id: a member id (m_ and 24 hex digits) is required", code="invalid_query")
    return member_in_path(member_id)


def request_in_path(request_id: str) -> str:
    if not well_formed(PLATFORM_ID, request_id):
        raise NotFound("no data request has this id (Shopify's numeric id)")
    return request_id


def version_in_path(version: str) -> str:
    if not well_formed(RULES_VERSION, version):
        raise NotFound("no rules version has this name")
    return version


def key_in_path(key_id: str) -> str:
    if not well_formed(API_KEY_ID, key_id):
        raise NotFound("no such API key")
    return key_id


def json_body(bp: Blueprint) -> Any:
    """The request's JSON body; 400 `invalid_json` when it is not strict JSON, `invalid_body` for bad text."""
    return parse_json(raw_body(bp))


def raw_body(bp: Blueprint) -> bytes:
    """The request's body as it came (Chalice hands over bytes; an empty body is b"")."""
    body = bp.current_request.raw_body or b""
    return body if isinstance(body, bytes) else body.encode()


def parse_json(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
        if _too_deep(text):
            raise _Refused(f"the body nests deeper than {MAX_DEPTH} levels")
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite, object_pairs_hook=_object)
    except _Refused as e:
        raise InvalidRequest(str(e), code="invalid_json") from e
    except UnicodeDecodeError as e:
        raise InvalidRequest("the body is not UTF-8", code="invalid_json") from e
    except json.JSONDecodeError as e:
        raise InvalidRequest(f"the body is not valid JSON: {e.msg} at character {e.pos}", code="invalid_json") from e
    except (ValueError, RecursionError) as e:                       # e.g. an integer of thousands of digits
        raise InvalidRequest("the body is not JSON we can take", code="invalid_json") from e
    problem = bad_text(value)
    if problem:
        raise InvalidRequest(problem, code="invalid_body")
    return value


def bad_text(value: Any) -> str | None:
    """A field-level message for the first string or name that is not clean text; None when all are."""
    stack: list[tuple[str, Any]] = [("body", value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str) and _BAD_TEXT.search(item):
            return f"{where[:100]}: {_CLEAN}"
        if isinstance(item, dict):
            for name, inner in item.items():
                if _BAD_TEXT.search(name):
                    return f"{where[:100]}: a field name is not clean text ({_CLEAN})"
                stack.append((name if where == "body" else f"{where}.{name}", inner))
        elif isinstance(item, list):
            stack += [(f"{where}[{i}]", inner) for i, inner in enumerate(item)]
    return None


def _too_deep(text: str) -> bool:
    depth = 0
    for token in _STRUCTURE.finditer(text):
        mark = text[token.start()]
        if mark in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif mark in "]}":
            depth -= 1
    return False


def _no_constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"the number {text[:20]} is out of range")
    return value


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise _Refused("a name appears twice in one object")
    return found
