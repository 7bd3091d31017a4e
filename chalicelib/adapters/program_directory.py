"""ParameterProgramDirectory: program settings from SSM, secrets from Secrets Manager, cached (Powertools).

Values found are cached by Powertools for `max_age` (only names that exist can be found, so that cache is as large
as the deployment's settings, whatever callers send). Names found missing are remembered in a bounded set for the
same age, so unknown callers cannot make us ask again, nor grow memory. A failure that is not "not found"
(throttling, an outage, a missing permission) is never taken for "not found": it raises TemporarilyUnavailable
(503 with Retry-After on the HTTP path, a retry on the queue), so a throttle cannot turn real webhooks away.
"""
from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.parameters import GetParameterError, SecretsProvider, SSMProvider
from botocore.exceptions import ClientError

from chalicelib.adapters.ttl_cache import ExpiringSet
from chalicelib.domain import hubspot as hs
from chalicelib.domain.addresses import single_address
from chalicelib.domain.errors import TemporarilyUnavailable
from chalicelib.domain.gates import MessagingPolicy
from chalicelib.observability import logger
from chalicelib.services.ports.connectors import ConnectorSettings
from chalicelib.services.ports.programs import ApiKey, HubSpotSettings, MessagingSettings

MISSES_REMEMBERED = 1024     # names found missing, kept for the cache age (least recently asked leave first)
# The answers that mean "there is no such parameter / secret"; anything else is a failure, not an answer.
_NOT_FOUND = frozenset({"ParameterNotFound", "ParameterVersionNotFound", "ResourceNotFoundException",
                        "ValidationException"})
_SHOP = re.compile(r"[a-z0-9][a-z0-9.-]{0,254}")


class ParameterProgramDirectory:
    def __init__(self, param_prefix: str, secret_prefix: str, ssm: SSMProvider, secrets: SecretsProvider,
                 max_age: int = 300, misses_remembered: int = MISSES_REMEMBERED,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.param_prefix = param_prefix
        self.secret_prefix = secret_prefix
        self.ssm = ssm
        self.secrets = secrets
        self.max_age = max_age
        self._missing = ExpiringSet(misses_remembered, max_age, monotonic)
        self._warned = ExpiringSet(misses_remembered, max_age, monotonic)    # config problems logged this age

    def program_for_shop(self, shop_domain: str) -> str | None:
        if not _SHOP.fullmatch(shop_domain):
            return None
        value = self._parameter(f"{self.param_prefix}/shops/{shop_domain}")
        return value or None

    def shopify_secrets(self, program_id: str) -> list[bytes]:
        values = self._secret(program_id)
        names = ("shopify_webhook_secret", "shopify_webhook_secret_previous")
        return [str(values[n]).encode() for n in names if values.get(n)]

    def program_for_portal(self, portal_id: str) -> str | None:
        """The program a HubSpot account (portal) belongs to: `<prefix>/hubspot-portals/<portal id>`."""
        if not (portal_id.isascii() and portal_id.isdigit() and len(portal_id) <= 20):
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
        grant = config.get("hubspot_grant_points_property") or "loyalty_grant_points"
        return HubSpotSettings(
            client_secrets=secrets, public_url=config.get("public_url", ""),
            signature_versions=frozenset(str(v).lower() for v in versions),
            won_stage=config.get("hubspot_won_stage") or "closedwon",
            grant_points_property=grant,
            birthday_property=config.get("hubspot_birthday_property") or "date_of_birth",
            currency=config.get("currency") or "USD",
            access_token=str(secret.get("hubspot_access_token") or ""),
            api_base=config.get("hubspot_api_base") or "https://api.hubapi.com",
            synced_properties=self._synced_properties(program_id, config, grant),
            ticket_closed_stages=_stage_ids(config.get("hubspot_ticket_closed_stages")),
        )

    def _synced_properties(self, program_id: str, config: dict[str, Any], grant: str) -> tuple[str, ...]:
        """`hubspot_synced_properties`, entries that cannot be one left out: logged (by position, no value) once per
        cache age, as the config is read again at every event."""
        kept, ignored = hs.synced_properties(config.get("hubspot_synced_properties"),
                                             ("email", "hs_email_optout", grant))
        warned = f"synced:{program_id}:{'|'.join(ignored)}"
        if ignored and warned not in self._warned:
            self._warned.add(warned)
            logger.warning("hubspot_synced_properties_ignored", extra={"program_id": program_id, "ignored": ignored})
        return kept

    def programs(self) -> list[str]:
        """Every program of this deployment: one `<prefix>/programs/<id>/config` parameter each."""
        try:
            found = self.ssm.get_multiple(f"{self.param_prefix}/programs", recursive=True, max_age=self.max_age)
        except GetParameterError as e:
            raise _unavailable("SSM Parameter Store", e) from e
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
            feedback_alert_email=single_address(str(config.get("feedback_alert_email") or "")),
            link_domains=_texts(config.get("link_domains")),
            shop_url=f"https://{shop}" if shop else None,
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

    def payload_bucket(self) -> str:
        """The S3 bucket that holds webhook bodies too large for the queue (`<prefix>/payload-bucket`)."""
        bucket = self._parameter(f"{self.param_prefix}/payload-bucket")
        if not bucket:
            raise RuntimeError("the payload-bucket parameter is missing: deploy infra/template.yaml")
        return bucket

    def _parameter(self, name: str, decrypt: bool = False) -> str | None:
        """A parameter's value, or None when there is no such parameter (remembered for the cache age)."""
        if name in self._missing:
            return None
        try:
            return str(self.ssm.get(name, max_age=self.max_age, decrypt=decrypt))
        except GetParameterError as e:
            if not _not_found(e):
                raise _unavailable("SSM Parameter Store", e) from e
            self._missing.add(name)
            return None

    def _secret(self, program_id: str) -> dict[str, Any]:
        """The program's secret (JSON), or {} when there is none (remembered for the cache age)."""
        name = f"{self.secret_prefix}/programs/{program_id}"
        if name in self._missing:
            return {}
        try:
            value = self.secrets.get(name, max_age=self.max_age, transform="json")
        except GetParameterError as e:
            if not _not_found(e):
                raise _unavailable("Secrets Manager", e) from e
            self._missing.add(name)
            return {}
        return value if isinstance(value, dict) else {}


def _stage_ids(configured: object) -> tuple[str, ...]:
    """`hubspot_ticket_closed_stages`: a list of stage ids (or one id); default ["4"], the default support pipeline's
    Closed stage. Entries that are not text or numbers are left out."""
    if configured is None:
        return ("4",)
    entries = configured if isinstance(configured, list) else [configured]
    return tuple(str(e).strip() for e in entries if isinstance(e, str | int) and not isinstance(e, bool)
                 and str(e).strip())


def _texts(configured: object) -> tuple[str, ...]:
    """A list of names (or one name) from the config; entries that are not text are left out."""
    entries = configured if isinstance(configured, list) else [configured] if configured else []
    return tuple(str(e).strip().lower() for e in entries if isinstance(e, str) and e.strip())


def _not_found(error: GetParameterError) -> bool:
    """Powertools wraps every failure in GetParameterError; the botocore error it caught says which it was."""
    cause = error.__cause__ or error.__context__
    return isinstance(cause, ClientError) and cause.response.get("Error", {}).get("Code") in _NOT_FOUND


def _unavailable(service: str, error: GetParameterError) -> TemporarilyUnavailable:
    cause = error.__cause__ or error.__context__
    code = cause.response.get("Error", {}).get("Code") if isinstance(cause, ClientError) else type(cause).__name__
    logger.warning("settings_unavailable", extra={"service": service, "error": code})
    return TemporarilyUnavailable(f"{service} did not answer; try again shortly")
