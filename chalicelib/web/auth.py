"""Admin API keys on the HTTP side: `Authorization: Bearer <key>` → the caller's key (services/api_keys.py)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib import bootstrap

if TYPE_CHECKING:
    from chalicelib.services.ports.programs import ApiKey, ProgramDirectory


def authenticate(headers: Mapping[str, str], scope: str, directory: ProgramDirectory | None = None) -> ApiKey:
    from chalicelib.services import api_keys

    return api_keys.authenticate(headers.get("authorization"), scope, bootstrap.get_api_keys(),
                                 directory or bootstrap.get_directory())


def caller(bp: Blueprint, scope: str) -> ApiKey:
    """The key of the request being served by `bp`, if it grants `scope`."""
    return authenticate(bp.current_request.headers, scope)


def query(bp: Blueprint, name: str) -> str | None:
    """A query parameter of the request being served by `bp`."""
    params = bp.current_request.query_params
    return params.get(name) if params else None
