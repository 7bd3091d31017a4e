"""Admin API keys on the HTTP side: `Authorization: Bearer <key>` → the caller's key (services/api_keys.py)."""
from __future__ import annotations

from collections.abc import Mapping

from chalicelib import bootstrap
from chalicelib.services import api_keys
from chalicelib.services.ports import ApiKey, ProgramDirectory


def authenticate(headers: Mapping[str, str], scope: str, directory: ProgramDirectory | None = None) -> ApiKey:
    return api_keys.authenticate(headers.get("authorization"), scope, bootstrap.get_api_keys(),
                                 directory or bootstrap.get_directory())
