"""Create every resource of infra/template.yaml on the local endpoints, idempotently, then seed the local program.

Run it as often as you like: existing resources are kept (queues, alarms and parameters get the template's values
again). Unknown resource types fail loudly, so a resource added to the template cannot be missing locally.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from chalicelib.config import load_settings
from infra.local import resources
from infra.local.cfn import Created, Template, Unresolved
from infra.local.settings import REGION, TEMPLATE, ProgramSettings, chalice_config, program_settings, use_endpoints

log = logging.getLogger("infra.local.bootstrap")
Clients = Callable[[str], Any]

CREATORS: dict[str, Callable[[Clients, dict[str, Any]], Created]] = {
    "AWS::DynamoDB::Table": resources.create_table,
    "AWS::SQS::Queue": resources.create_queue,
    "AWS::KMS::Key": resources.create_key,
    "AWS::SNS::Topic": resources.create_topic,
    "AWS::SNS::Subscription": resources.create_subscription,
    "AWS::CloudWatch::Alarm": resources.put_alarm,
    "AWS::SSM::Parameter": resources.put_parameter,
    "AWS::SecretsManager::Secret": resources.create_secret,
    "AWS::SES::ConfigurationSet": resources.create_configuration_set,
    "AWS::Events::Rule": resources.put_rule,
    "AWS::SQS::QueuePolicy": resources.put_queue_policy,
    "AWS::S3::Bucket": resources.create_bucket,
}
SKIPPED = {
    "AWS::Serverless::Function": "Chalice builds it; the local stack runs it in-process",
    "AWS::ApiGateway::GatewayResponse": "API Gateway's own error pages; infra.local.api_server serves the API locally",
    "AWS::SES::ConfigurationSetEventDestination": "moto's SES neither bounces nor supports EventBridge destinations",
    "AWS::Serverless::LayerVersion": "the functions run in-process, with numpy and scipy from the venv",
    "AWS::IAM::Policy": "nothing checks permissions locally",
    "AWS::IAM::Role": "nothing checks permissions locally",
    "AWS::Serverless::Api": "Chalice builds it; infra.local.api_server serves the API locally, unthrottled",
    "AWS::ApiGateway::Account": "API Gateway's logging role; locally the API server logs to the console",
    "AWS::Logs::LogGroup": "locally every process logs to the console",
    "AWS::Events::EventBus": "Shopify's partner event source exists on AWS only; locally webhooks come over HTTPS",
    "AWS::CloudWatch::Dashboard": "a page of the CloudWatch console; locally the metrics are log lines",
    "AWS::S3::BucketPolicy": "nothing checks permissions locally",
    "AWS::Glue::Database": "Athena's twin locally is DuckDB over `make analytics-export` (infra/analytics)",
    "AWS::Glue::Table": "Athena's twin locally is DuckDB over `make analytics-export` (infra/analytics)",
    "AWS::Athena::WorkGroup": "Athena's twin locally is DuckDB over `make analytics-export` (infra/analytics)",
    "AWS::Athena::NamedQuery": "Athena's twin locally is DuckDB over `make analytics-export` (infra/analytics)",
}


class UnknownResourceType(Exception):
    pass


def clients() -> Clients:
    """boto3 clients, built once each; endpoints come from AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>."""
    session = boto3.session.Session()
    return cache(lambda service: session.client(service, region_name=session.region_name or REGION))


LOCAL_POSTAL_ADDRESS = "1 Demo Street, Springfield, OR 97477, USA"


def load_template(settings: ProgramSettings, aws: Clients, path: Path = TEMPLATE) -> Template:
    parameters = {"Stage": settings.stage, "ProgramId": settings.program_id, "ShopDomain": settings.shop_domain,
                  "SenderEmail": f"rewards@{settings.shop_domain}", "PostalAddress": LOCAL_POSTAL_ADDRESS,
                  "HubSpotPortalId": settings.hubspot_portal_id,
                  # Chalice's API exists only in the packaged template; the seed below sets the local public URL.
                  "RestAPI": "local"}
    pseudo = {"AWS::Region": aws("sts").meta.region_name, "AWS::AccountId": aws("sts").get_caller_identity()["Account"],
              "AWS::StackName": f"loyalty-{settings.stage}", "AWS::Partition": "aws"}
    return Template(path.read_text(encoding="utf-8"), parameters, pseudo)


def create_resources(template: Template, aws: Clients) -> None:
    """Create resources in dependency order (a resource waits until what it refers to exists)."""
    unknown = sorted({r["Type"] for r in template.resources.values()} - set(CREATORS) - set(SKIPPED))
    if unknown:
        raise UnknownResourceType(f"the local bootstrap cannot create {', '.join(unknown)}: add it to "
                                  "infra/local/bootstrap.py (and resources.py) so the local stack has it too")
    pending = list(template.resources)
    while pending:
        done = [name for name in pending if _create(template, aws, name)]
        if not done:
            raise RuntimeError(f"cannot resolve the references of {', '.join(pending)}")
        pending = [name for name in pending if name not in done]


def _create(template: Template, aws: Clients, name: str) -> bool:
    """True when the resource is settled (created, updated or skipped); False when it must wait."""
    spec = template.resources[name]
    kind = spec["Type"]
    if kind in SKIPPED:
        log.debug("%s (%s) skipped: %s", name, kind, SKIPPED[kind])
        return True
    if "Condition" in spec and not template.condition(spec["Condition"]):
        log.info("%s skipped: condition %s is false", name, spec["Condition"])
        return True
    try:
        properties = template.resolve(spec.get("Properties", {}))
    except Unresolved:
        return False
    template.created[name] = CREATORS[kind](aws, properties)
    log.info("%s (%s) ready: %s", name, kind, template.created[name].ref)
    return True


def seed_program(settings: ProgramSettings, aws: Clients) -> None:
    """The local program's settings, where the app reads them (chalicelib/adapters/program_directory.py)."""
    app = load_settings(chalice_config(stage=settings.stage).environment_variables)
    pid = settings.program_id
    config = {"program_id": pid, "shop_domain": settings.shop_domain, "hubspot_portal_id": settings.hubspot_portal_id,
              "public_url": settings.public_url, "hubspot_api_base": settings.hubspot_api_base,
              "shopify_admin_api_base": settings.shopify_admin_api_base,
              "program_name": "Demo Shop Rewards", "sender_email": f"rewards@{settings.shop_domain}",
              "postal_address": LOCAL_POSTAL_ADDRESS, "timezone": settings.timezone,
              "configuration_set": f"loyalty-{settings.stage}"}
    aws("ses").verify_domain_identity(Domain=settings.shop_domain)   # moto refuses unverified senders
    key = {"key_id": "local-admin", "program_id": pid, "scopes": ["read", "write", "owner"]}
    ssm = aws("ssm")
    ssm.put_parameter(Name=f"{app.param_prefix}/shops/{settings.shop_domain}", Value=pid, Type="String",
                      Overwrite=True)
    if settings.hubspot_portal_id:
        ssm.put_parameter(Name=f"{app.param_prefix}/hubspot-portals/{settings.hubspot_portal_id}", Value=pid,
                          Type="String", Overwrite=True)
    ssm.put_parameter(Name=f"{app.param_prefix}/programs/{pid}/config", Value=json.dumps(config), Type="String",
                      Overwrite=True)
    ssm.put_parameter(Name=f"{app.param_prefix}/admin-keys/{resources.sha256(settings.admin_key)}",
                      Value=json.dumps(key), Type="SecureString", Overwrite=True)
    secrets = {"shopify_webhook_secret": settings.shopify_webhook_secret, "shopify_webhook_secret_previous": "",
               "hubspot_client_secret": settings.hubspot_client_secret,
               "hubspot_access_token": settings.hubspot_access_token,
               "shopify_access_token": settings.shopify_access_token,
               "unsubscribe_secret": "local-unsubscribe-secret"}
    _put_secret(aws("secretsmanager"), f"{app.secret_prefix}/programs/{pid}", json.dumps(secrets))
    log.info("program %s seeded for shop %s", pid, settings.shop_domain)


def _put_secret(sm: Any, name: str, value: str) -> None:
    try:
        sm.put_secret_value(SecretId=name, SecretString=value)
    except ClientError as e:
        if e.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        sm.create_secret(Name=name, SecretString=value)


def bootstrap(settings: ProgramSettings) -> None:
    aws = clients()
    create_resources(load_template(settings, aws), aws)
    seed_program(settings, aws)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    logging.getLogger("botocore").setLevel(logging.WARNING)
    use_endpoints()
    bootstrap(program_settings())


if __name__ == "__main__":
    main()
