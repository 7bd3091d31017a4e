"""ParameterProgramDirectory: program settings from SSM, secrets from Secrets Manager, cached (Powertools)."""
from __future__ import annotations

import json
import time
from typing import Any

from aws_lambda_powertools.utilities.parameters import GetParameterError, SecretsProvider, SSMProvider

from chalicelib.domain.gates import MessagingPolicy
from chalicelib.services.ports import ApiKey, ConnectorSettings, HubSpotSettings, MessagingSettings


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

    def program_for_portal(self, portal_id: str) -> str | None:
        """The program a HubSpot account (portal) belongs to: `<prefix>/hubspot-portals/<portal id>`."""
        if not (portal_id.isascii() and portal_id.isdigit()):
            return None
        return self._parameter(f"{self.param_prefix}/hubspot-portals/{portal_id}") or None

    def hubspot_settings(self, program_id: str) -> HubSpotSettings:
        """Client secrets and access token from the program's secret; the rest from its config."""
        config = json.loads(self._parameter(f"{self.param_prefix}/programs/{program_id}/config") or "{}")
        secret = self._secret(program_id)
        secrets = tuple(str(secret[k]).encode() for k in ("hubspot_client_secret", "hubspot_client_secret_previous")
                        if secret.get(k))
        versions = config.get("hubspot_signature_versions") or ["v3"]
        versions = [versions] if isinstance(versions, str) else versions
        return HubSpotSettings(
            client_secrets=secrets, public_url=config.get("public_url", ""),
            signature_versions=frozenset(str(v).lower() for v in versions),
            won_stage=config.get("hubspot_won_stage") or "closedwon",
            grant_points_property=config.get("hubspot_grant_points_property") or "loyalty_grant_points",
            birthday_property=config.get("hubspot_birthday_property") or "date_of_birth",
            currency=config.get("currency") or "USD",
            access_token=str(secret.get("hubspot_access_token") or ""),
            api_base=config.get("hubspot_api_base") or "https://api.hubapi.com",
        )

    def programs(self) -> list[str]:
        """Every program of this deployment: one `<prefix>/programs/<id>/config` parameter each."""
        found = self.ssm.get_multiple(f"{self.param_prefix}/programs", recursive=True, max_age=self.max_age)
        return sorted({name.split("/")[0] for name in found if name.endswith("/config")})

    def hubspot_portal(self, program_id: str) -> str:
        """The HubSpot account (portal id) of the program, "" when it has none."""
        config = json.loads(self._parameter(f"{self.param_prefix}/programs/{program_id}/config") or "{}")
        return str(config.get("hubspot_portal_id") or "")

    def shop_of(self, program_id: str) -> str:
        config = json.loads(self._parameter(f"{self.param_prefix}/programs/{program_id}/config") or "{}")
        return str(config.get("shop_domain", ""))

    def messaging(self, program_id: str) -> MessagingSettings:
        """Sender, footer and time zone from the program's config; unsubscribe keys from its secret."""
        config = json.loads(self._parameter(f"{self.param_prefix}/programs/{program_id}/config") or "{}")
        secret = self._secret(program_id)
        shop = config.get("shop_domain", "")
        name = config.get("program_name") or f"{shop.split('.')[0].replace('-', ' ').title()} Rewards"
        keys = tuple(str(secret[k]).encode() for k in ("unsubscribe_secret", "unsubscribe_secret_previous")
                     if secret.get(k))
        return MessagingSettings(
            program_name=name, sender_name=config.get("sender_name") or name,
            sender_email=config.get("sender_email") or f"rewards@{shop}",
            postal_address=config.get("postal_address", ""), public_url=config.get("public_url", ""),
            unsubscribe_secrets=keys,
            policy=MessagingPolicy(timezone=config.get("timezone") or "UTC"),
            brand_color=config.get("brand_color") or "#1f6feb", store_url=config.get("store_url") or None,
            configuration_set=config.get("configuration_set") or None,
            review_url=config.get("review_url") or "{store}/products/{handle}#reviews",
            currency=config.get("currency") or "USD",
        )

    def connector_settings(self, program_id: str) -> ConnectorSettings:
        """The CRM sync's endpoints (program config) and tokens (program secret); no token, no connector."""
        config = json.loads(self._parameter(f"{self.param_prefix}/programs/{program_id}/config") or "{}")
        secret = self._secret(program_id)
        shop = str(config.get("shop_domain", ""))
        return ConnectorSettings(
            shop=shop, hubspot_api_base=config.get("hubspot_api_base") or "https://api.hubapi.com",
            shopify_admin_api_base=config.get("shopify_admin_api_base") or (f"https://{shop}" if shop else ""),
            hubspot_time_zone=config.get("hubspot_time_zone") or config.get("timezone") or "UTC",
            shopify_api_version=config.get("shopify_api_version") or "2025-10",
            hubspot_access_token=str(secret.get("hubspot_access_token") or ""),
            shopify_access_token=str(secret.get("shopify_access_token") or ""),
        )

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
