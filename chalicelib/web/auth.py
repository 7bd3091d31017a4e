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
    """The key of the request being served by `bp`, if it grants `scope`.

    Without an Authorization header, a GET for the read scope may instead carry the dashboard's session cookie
    (services/dashboard_sessions.py): SameSite=Strict, read-only and GET only, so it offers no CSRF surface.
    """
    request = bp.current_request
    if scope == "read" and request.method == "GET" and not request.headers.get("authorization"):
        from chalicelib.domain.sessions import cookie_value

        token = cookie_value(request.headers.get("cookie"))
        if token:
            return session_caller(token)
    return authenticate(request.headers, scope)


def session_caller(token: str) -> ApiKey:
    """The key a dashboard session cookie stands for, checked again now (Unauthorized when it is not valid)."""
    from chalicelib.services import dashboard_sessions

    return dashboard_sessions.session_key(token, bootstrap.get_api_keys(), bootstrap.get_directory(),
                                          bootstrap.get_clock().now())


def query(bp: Blueprint, name: str) -> str | None:
    """A query parameter of the request being served by `bp`."""
    params = bp.current_request.query_params
    return params.get(name) if params else None
