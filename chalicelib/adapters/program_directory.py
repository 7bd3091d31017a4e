"""ParameterProgramDirectory: program settings from SSM, secrets from Secrets Manager, cached (Powertools)."""
from __future__ import annotations

import json
import time
from typing import Any

from aws_lambda_powertools.utilities.parameters import GetParameterError, SecretsProvider, SSMProvider

from chalicelib.services.ports import ApiKey


class ParameterProgramDirectory:
    def __init__(self, param_prefix: str, secret_prefix: str, ssm: SSMProvider, secrets: SecretsProvider,
                 max_age: int = 300) -> None:
        self.param_prefix = param_prefix
        self.secret_prefix = secret_prefix
        self.ssm = ssm
        self.secrets = secrets
        self.max_age = max_age
        self._missing: dict[str, float] = {}

    def program_for_shop(self, shop_domain: str) -> str | None:
        value = self._parameter(f"{self.param_prefix}/shops/{shop_domain}")
        return value or None

    def shopify_secrets(self, program_id: str) -> list[bytes]:
        values = self._secret(program_id)
        names = ("shopify_webhook_secret", "shopify_webhook_secret_previous")
        return [str(values[n]).encode() for n in names if values.get(n)]

    def programs(self) -> list[str]:
        """Every program of this deployment: one `<prefix>/programs/<id>/config` parameter each."""
        found = self.ssm.get_multiple(f"{self.param_prefix}/programs", recursive=True, max_age=self.max_age)
        return sorted({name.split("/")[0] for name in found if name.endswith("/config")})

    def api_key(self, key_sha256: str) -> ApiKey | None:
        raw = self._parameter(f"{self.param_prefix}/admin-keys/{key_sha256}", decrypt=True)
        if not raw:
            return None
        record = json.loads(raw)
        return ApiKey(key_id=record["key_id"], program_id=record["program_id"], scopes=frozenset(record["scopes"]))

    def _parameter(self, name: str, decrypt: bool = False) -> str | None:
        """A parameter's value, or None; misses are remembered too, so unknown callers cannot flood SSM."""
        missed_at = self._missing.get(name)
        if missed_at is not None and time.monotonic() - missed_at < self.max_age:
            return None
        try:
            return str(self.ssm.get(name, max_age=self.max_age, decrypt=decrypt))
        except GetParameterError:
            self._missing[name] = time.monotonic()
            return None

    def _secret(self, program_id: str) -> dict[str, Any]:
        value = self.secrets.get(f"{self.secret_prefix}/programs/{program_id}", max_age=self.max_age,
                                 transform="json")
        return value if isinstance(value, dict) else {}
