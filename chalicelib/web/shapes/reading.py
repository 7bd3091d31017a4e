"""A parsed JSON body → its declared shape, or a 400 naming every bad field (`<field>: <what is required>`).

msgspec stops at the first problem; a refusal lists them all, so each field that fails is checked on its own
(nested shapes and lists of them field by field), unknown fields first. A field's `description` says what it takes.
"""
from __future__ import annotations

from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import msgspec

from chalicelib.domain.errors import InvalidRequest

S = TypeVar("S", bound=msgspec.Struct)


def read(value: Any, shape: type[S], code: str) -> S:
    """`value` as `shape`; `InvalidRequest(code=code)` listing every problem, `invalid_body` for a non-object."""
    if not isinstance(value, dict):
        raise InvalidRequest("send a JSON object", code="invalid_body")
    try:
        return msgspec.convert(value, shape)
    except msgspec.ValidationError as e:
        raise InvalidRequest("; ".join(problems(value, shape)) or _said(e), code=code) from e


def problems(value: dict[str, Any], shape: type[msgspec.Struct], prefix: str = "") -> list[str]:
    fields = msgspec.structs.fields(shape)
    found = []
    if shape.__struct_config__.forbid_unknown_fields:
        found = [f"{prefix}{name}: unknown field" for name in sorted(set(value) - {f.encode_name for f in fields})]
    for field in fields:
        where = prefix + field.encode_name
        if field.encode_name in value:
            found += _field(value[field.encode_name], field.type, where)
        elif field.required:
            found.append(f"{where}: {wanted(field.type)} is required")
    if not found:
        try:
            msgspec.convert(value, shape)
        except msgspec.ValidationError as e:        # a rule across fields (the shape's __post_init__)
            found.append(_said(e, prefix))
    return found


def wanted(kind: Any) -> str:
    """The description declared on a field's type (inside Optional and Annotated)."""
    for meta in _metas(kind):
        if meta.description:
            return meta.description
    return "an object" if _struct_in(kind) == (kind, False) else "a valid value"


def _field(raw: Any, kind: Any, where: str) -> list[str]:
    try:
        msgspec.convert(raw, kind)
        return []
    except msgspec.ValidationError:
        pass
    inner, listed = _struct_in(kind)
    if inner is not None and not listed and isinstance(raw, dict):
        return problems(raw, inner, where + ".")
    if inner is not None and listed and isinstance(raw, list) and _fits(raw, kind):
        return [p for i, item in enumerate(raw) for p in _field(item, inner, f"{where}[{i}]")] \
            or [f"{where}: {wanted(kind)} is required"]
    return [f"{where}: {wanted(kind)} is required"]


def _fits(raw: list[Any], kind: Any) -> bool:
    return all(meta.max_length is None or len(raw) <= meta.max_length for meta in _metas(kind))


def _struct_in(kind: Any) -> tuple[type[msgspec.Struct] | None, bool]:
    """The shape a field holds (itself, or as the items of a list); None for scalars."""
    if get_origin(kind) is Annotated:
        return _struct_in(get_args(kind)[0])
    if get_origin(kind) in (Union, UnionType):
        found = [_struct_in(arg) for arg in get_args(kind) if arg not in (type(None), msgspec.UnsetType)]
        return found[0] if len(found) == 1 else (None, False)
    if get_origin(kind) is list:
        inner, _ = _struct_in(get_args(kind)[0])
        return inner, True
    if isinstance(kind, type) and issubclass(kind, msgspec.Struct):
        return kind, False
    return None, False


def _metas(kind: Any) -> list[msgspec.Meta]:
    if get_origin(kind) is Annotated:
        base, *extras = get_args(kind)
        return [m for m in extras if isinstance(m, msgspec.Meta)] + _metas(base)
    if get_origin(kind) in (Union, UnionType):
        return [m for arg in get_args(kind) for m in _metas(arg)]
    return []


def _said(error: msgspec.ValidationError, prefix: str = "") -> str:
    """msgspec's own words, its path `$.a.b` written as `a.b`."""
    text, _, path = str(error).partition(" - at `$")
    where = prefix + path.rstrip("`").lstrip(".")
    return f"{where.rstrip('.')}: {text}" if where and not text.startswith(where) else text
