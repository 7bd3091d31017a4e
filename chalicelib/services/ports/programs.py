"""Programs: their settings, secrets, API keys and rules."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from chalicelib.domain.gates import MessagingPolicy
from chalicelib.domain.program import ProgramRules


class RulesSource(Protocol):
    def rules_at(self, program_id: str, at: datetime) -> ProgramRules:
        """The rules version in force at `at` (the defaults when the program has stored none)."""
        ...


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    program_id: str
    scopes: frozenset[str]
    name: str = ""
    created_at: datetime | None = None
    created_by: str | None = None          # the key that created it; None for keys made by the setup command
    revoked_at: datetime | None = None


class ProgramDirectory(Protocol):
    """Program settings and secrets (SSM / Secrets Manager on AWS and in the local stack)."""

    def program_for_shop(self, shop_domain: str) -> str | None: ...

    def shopify_secrets(self, program_id: str) -> list[bytes]: ...

    def api_key(self, key_sha256: str) -> ApiKey | None: ...

    def programs(self) -> list[str]: ...

    def messaging(self, program_id: str) -> MessagingSettings: ...

    def shop_of(self, program_id: str) -> str: ...

    def program_for_portal(self, portal_id: str) -> str | None: ...

    def hubspot_settings(self, program_id: str) -> HubSpotSettings: ...


@dataclass(frozen=True)
class MessagingSettings:
    """A program's sender identity, footer, time zone and unsubscribe keys (program config + secrets)."""

    program_name: str
    sender_name: str
    sender_email: str
    postal_address: str
    public_url: str
    unsubscribe_secrets: tuple[bytes, ...]
    policy: MessagingPolicy
    brand_color: str = "#1f6feb"
    store_url: str | None = None
    configuration_set: str | None = None
    review_url: str = "{store}/products/{handle}#reviews"   # placeholders: store, handle, product_id
    currency: str = "USD"                                    # the shop's currency, for amounts in mail
    feedback_alert_email: str | None = None                  # the merchant's address for unhappy-answer alerts
    link_domains: tuple[str, ...] = ()                       # sites (and subdomains) campaign mail may link to
    shop_url: str | None = None                              # https://<shop domain>: the store without store_url

    @property
    def storefront(self) -> str | None:
        """The store's address: `store_url`, else the Shopify shop's own domain."""
        return self.store_url or self.shop_url


@dataclass(frozen=True)
class HubSpotSettings:
    """A program's HubSpot connection: webhook secrets and URL, the properties and stage it acts on."""

    client_secrets: tuple[bytes, ...] = field(repr=False)     # current, then previous (rotation)
    public_url: str                                          # the API's public base URL (signatures cover it)
    signature_versions: frozenset[str] = frozenset({"v3"})
    won_stage: str = "closedwon"
    grant_points_property: str = "loyalty_grant_points"
    birthday_property: str = "date_of_birth"
    currency: str = "USD"                                    # the program's (shop's) currency: deal amounts
    access_token: str = field(default="", repr=False)        # empty: outbound calls off
    api_base: str = "https://api.hubapi.com"
    # contact properties kept on members for segments (never email, hs_email_optout or the grant property)
    synced_properties: tuple[str, ...] = ()
    ticket_closed_stages: tuple[str, ...] = ("4",)           # ticket stages that ask for a CSAT ("4": default Closed)
