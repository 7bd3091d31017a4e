"""Where the local stack lives and what it is configured with: ports, environment, the seeded program settings."""
from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalice.config import Config

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = REPO_ROOT / "infra" / "template.yaml"
STAGE = "local"
REGION = "eu-west-1"
ACCOUNT_ID = "123456789012"  # moto's default account, used in ARNs the local stack makes up
DEFAULT_ADMIN_KEY = "local-admin-key"


@dataclass(frozen=True)
class Ports:
    api: int
    ddb: int
    aws: int
    data_dir: Path
    hubspot: int = 8002          # the HubSpot stand-in (infra/local/hubspot_standin.py); 0: any free port
    shopify: int = 8003          # the Shopify stand-in (infra/local/shopify_standin.py); 0: any free port


def ports_from(env: Mapping[str, str] | None = None) -> Ports:
    env = os.environ if env is None else env
    data_dir = Path(env.get("LOYALTY_DATA_DIR") or REPO_ROOT / ".local")
    return Ports(api=int(env.get("LOYALTY_PORT", "8000")), ddb=int(env.get("LOYALTY_DDB_PORT", "8001")),
                 aws=int(env.get("LOYALTY_AWS_PORT", "4566")), data_dir=data_dir.resolve(),
                 hubspot=int(env.get("LOYALTY_HUBSPOT_PORT", "8002")),
                 shopify=int(env.get("LOYALTY_SHOPIFY_PORT", "8003")))


def hubspot_standin_wanted(env: Mapping[str, str]) -> bool:
    """With LOYALTY_HUBSPOT_STANDIN=1, `make run` serves a HubSpot stand-in and turns outbound HubSpot on against it,
    unless HubSpot is configured (HUBSPOT_API_BASE or HUBSPOT_ACCESS_TOKEN set). By default outbound HubSpot stays off
    (HUBSPOT_ACCESS_TOKEN empty), as the contract says."""
    configured = env.get("HUBSPOT_API_BASE") or env.get("HUBSPOT_ACCESS_TOKEN")
    return not configured and env.get("LOYALTY_HUBSPOT_STANDIN", "0") == "1"


def shopify_standin_wanted(env: Mapping[str, str]) -> bool:
    """With LOYALTY_SHOPIFY_STANDIN=1, `make run` serves a Shopify Admin API stand-in (the orders reconciliation reads)
    and points the program's Shopify connector at it, unless Shopify is configured (SHOPIFY_ADMIN_API_BASE or
    SHOPIFY_ACCESS_TOKEN set). By default the connector stays off."""
    configured = env.get("SHOPIFY_ADMIN_API_BASE") or env.get("SHOPIFY_ACCESS_TOKEN")
    return not configured and env.get("LOYALTY_SHOPIFY_STANDIN", "0") == "1"


def aws_env(ports: Ports, dynamodb_local: bool) -> dict[str, str]:
    """Fake credentials and endpoints for every process of the stack (the app code sees no difference)."""
    env = {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled", "POWERTOOLS_TRACE_DISABLED": "true",
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{ports.aws}",
    }
    if dynamodb_local:
        env["AWS_ENDPOINT_URL_DYNAMODB"] = f"http://127.0.0.1:{ports.ddb}"
    return env


def port_open(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def no_stack_message(port: int) -> str:
    return (f"no local stack answers at http://127.0.0.1:{port} (start it with `make run`, or set LOYALTY_PORT, "
            "LOYALTY_DDB_PORT and LOYALTY_AWS_PORT to the ports of the stack you started)")


def require_stack(port: int) -> None:
    """For the commands that talk to a running local stack: exit 1 with a plain sentence when nothing answers."""
    if not port_open(port):
        print(no_stack_message(port), file=sys.stderr)
        raise SystemExit(1)


def chalice_config(function_name: str = "api_handler", stage: str = STAGE) -> Config:
    """The stage's Chalice config, as `chalice local` and `chalice package` read it."""
    with open(REPO_ROOT / ".chalice" / "config.json", encoding="utf-8") as f:
        return Config(chalice_stage=stage, function_name=function_name, config_from_disk=json.load(f))


def apply_stage_env(environ: MutableMapping[str, str] = os.environ, stage: str = STAGE) -> None:
    """Set the stage's environment variables over the inherited ones, as `chalice local` and Lambda do."""
    environ.update(chalice_config(stage=stage).environment_variables)


class BadSetting(ValueError):
    """A local setting from the environment that cannot work; the message names the variable."""


@dataclass(frozen=True)
class ProgramSettings:
    """The one program the local stack starts with (CONTRACT.md, "The local stack"). Secrets stay out of repr."""

    program_id: str
    shop_domain: str
    hubspot_portal_id: str
    public_url: str
    hubspot_api_base: str
    shopify_admin_api_base: str
    shopify_webhook_secret: str = field(repr=False)
    hubspot_client_secret: str = field(repr=False)
    admin_key: str = field(repr=False)
    hubspot_access_token: str = field(repr=False)
    shopify_access_token: str = field(repr=False)
    admin_key_from_env: bool = False
    timezone: str = "UTC"
    stage: str = STAGE


def program_settings(env: Mapping[str, str] | None = None) -> ProgramSettings:
    env = os.environ if env is None else env

    def get(name: str, default: str) -> str:
        return env.get(name) or default

    shop = get("SHOPIFY_SHOP_DOMAIN", "demo-shop.myshopify.com").lower()
    timezone = get("LOYALTY_TIMEZONE", "UTC")
    try:
        ZoneInfo(timezone)
    except (ValueError, ZoneInfoNotFoundError):
        raise BadSetting(f"LOYALTY_TIMEZONE={timezone!r} is not an IANA time zone (e.g. UTC, Europe/Berlin, "
                         "America/New_York)") from None
    return ProgramSettings(
        program_id=get("LOYALTY_PROGRAM_ID", "demo"),
        shop_domain=shop,
        hubspot_portal_id=get("HUBSPOT_PORTAL_ID", "62515"),
        public_url=get("LOYALTY_PUBLIC_URL", f"http://127.0.0.1:{get('LOYALTY_PORT', '8000')}"),
        hubspot_api_base=get("HUBSPOT_API_BASE", "https://api.hubapi.com"),
        shopify_admin_api_base=get("SHOPIFY_ADMIN_API_BASE", f"https://{shop}"),
        shopify_webhook_secret=get("SHOPIFY_WEBHOOK_SECRET", "local-shopify-secret"),
        hubspot_client_secret=get("HUBSPOT_CLIENT_SECRET", "local-hubspot-secret"),
        admin_key=get("LOYALTY_ADMIN_KEY", DEFAULT_ADMIN_KEY),
        hubspot_access_token=get("HUBSPOT_ACCESS_TOKEN", ""),
        shopify_access_token=get("SHOPIFY_ACCESS_TOKEN", ""),
        admin_key_from_env=bool(env.get("LOYALTY_ADMIN_KEY")),
        timezone=timezone,
    )


def use_endpoints(environ: MutableMapping[str, str] = os.environ) -> None:
    """For a command run beside `make run`: the stack's endpoints unless set (DynamoDB Local if it answers)."""
    ports = ports_from(environ)
    for name, value in aws_env(ports, dynamodb_local=port_open(ports.ddb)).items():
        environ.setdefault(name, value)
    environ["AWS_DEFAULT_REGION"] = REGION  # moto keeps each region apart: the stack lives in this one
