"""Composition root: the only place clients and adapters are built, lazily, once per container.

Tests replace any dependency with `override(name, value)` and start fresh with `reset()`.

Each getter imports its adapter when it first builds it, so a function's cold start loads only the adapters (and
their libraries: Jinja2, `requests`, Powertools Parameters) it uses. boto3 is imported here, eagerly: every function
calls AWS. The adapters named under TYPE_CHECKING are for the type checker only.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

import boto3
from botocore.config import Config

from chalicelib.config import Settings, load_settings

if TYPE_CHECKING:
    from datetime import datetime
    from decimal import Decimal

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_ses import SESClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_ssm import SSMClient

    from chalicelib.adapters.availability import DependencyProbe
    from chalicelib.adapters.clock import SystemClock
    from chalicelib.adapters.dynamodb_api_keys import DynamoDBApiKeys
    from chalicelib.adapters.dynamodb_audit import DynamoDBAuditTrail
    from chalicelib.adapters.dynamodb_campaigns import DynamoDBCampaigns
    from chalicelib.adapters.dynamodb_deliveries import DynamoDBRefusedDeliveries
    from chalicelib.adapters.dynamodb_due import DynamoDBDueWork
    from chalicelib.adapters.dynamodb_engagement import DynamoDBEngagement
    from chalicelib.adapters.dynamodb_exports import DynamoDBShopIndex
    from chalicelib.adapters.dynamodb_feedback import DynamoDBFeedbackStore
    from chalicelib.adapters.dynamodb_figures import DynamoDBFigures
    from chalicelib.adapters.dynamodb_identities import DynamoDBIdentities
    from chalicelib.adapters.dynamodb_journey import DynamoDBJourneyStore, DynamoDBMemberShards
    from chalicelib.adapters.dynamodb_ledger import DynamoDBLedger
    from chalicelib.adapters.dynamodb_outbox import DynamoDBOutbox
    from chalicelib.adapters.dynamodb_profiles import DynamoDBProducts, DynamoDBProfiles
    from chalicelib.adapters.dynamodb_reconciliation import DynamoDBReconciliation
    from chalicelib.adapters.dynamodb_redemptions import DynamoDBRedemptions
    from chalicelib.adapters.dynamodb_requests import DynamoDBDataRequests
    from chalicelib.adapters.dynamodb_rewards import DynamoDBRewards
    from chalicelib.adapters.dynamodb_rules import DynamoDBRules
    from chalicelib.adapters.dynamodb_segment_lists import DynamoDBSegmentLists
    from chalicelib.adapters.dynamodb_segments import DynamoDBSegments
    from chalicelib.adapters.dynamodb_shops import DynamoDBShopData
    from chalicelib.adapters.dynamodb_table_export import DynamoDBTableExports
    from chalicelib.adapters.platform_formats import PlatformFormats
    from chalicelib.adapters.program_directory import ParameterProgramDirectory
    from chalicelib.adapters.s3_payloads import S3PayloadStore
    from chalicelib.adapters.ses_mailer import SesMailer
    from chalicelib.adapters.sqs_queue import SqsIngestQueue
    from chalicelib.adapters.vader_sentiment import VaderSentiment
    from chalicelib.domain.ledger import Member
    from chalicelib.services.analytics import Sources
    from chalicelib.services.hubspot_members import HubSpotContext
    from chalicelib.services.journey_run import JourneyDeps
    from chalicelib.services.offers import OfferDeps
    from chalicelib.services.ports.connectors import ConnectorFactory, CrmSyncStore
    from chalicelib.services.ports.customer_model import CustomerModel
    from chalicelib.services.ports.engagement import CampaignProgress
    from chalicelib.services.ports.followups import FollowUpLog
    from chalicelib.services.ports.hubspot import HubSpotContacts
    from chalicelib.services.ports.mail import Composer
    from chalicelib.services.ports.metrics import Metrics
    from chalicelib.services.ports.programs import HubSpotSettings
    from chalicelib.services.ports.reconciliation import HubSpotCreatedContacts, ShopifyOrders

T = TypeVar("T")
_built: dict[str, Any] = {}


def _get(name: str, factory: Callable[[], T]) -> T:
    if name not in _built:
        _built[name] = factory()
    return _built[name]


def override(name: str, value: Any) -> None:
    _built[name] = value


def reset() -> None:
    _built.clear()


def get_settings() -> Settings:
    return _get("settings", load_settings)


API_HANDLER = "app.app"  # Lambda's _HANDLER of the function API Gateway calls (the local API server sets it too)


def client_config(environ: Mapping[str, str] = os.environ) -> Config:
    """Every AWS call gives up instead of hanging: 2 s to connect, then a read timeout, 3 attempts in all (standard
    retries, with backoff). The API function reads for 2 s at most, so three attempts end well inside its 10 s
    Lambda timeout and the caller gets a 503 rather than a gateway timeout; the workers and jobs allow 10 s."""
    api = environ.get("_HANDLER") == API_HANDLER
    return Config(connect_timeout=2, read_timeout=2 if api else 10, retries={"mode": "standard", "max_attempts": 3})


HEALTH_CONFIG = Config(connect_timeout=1, read_timeout=1, retries={"mode": "standard", "max_attempts": 1})
Service = Literal["dynamodb", "s3", "secretsmanager", "ses", "sqs", "ssm"]


@overload
def client(service: Literal["dynamodb"]) -> DynamoDBClient: ...
@overload
def client(service: Literal["s3"]) -> S3Client: ...
@overload
def client(service: Literal["secretsmanager"]) -> SecretsManagerClient: ...
@overload
def client(service: Literal["ses"]) -> SESClient: ...
@overload
def client(service: Literal["sqs"]) -> SQSClient: ...
@overload
def client(service: Literal["ssm"]) -> SSMClient: ...


def client(service: Service) -> Any:
    return _get(f"client:{service}", lambda: boto3.client(service, config=client_config()))


def health_client(service: Service) -> Any:
    """For GET /health: one attempt, one second each to connect and to read."""
    return _get(f"health_client:{service}", lambda: boto3.client(service, config=HEALTH_CONFIG))


def dependency_unavailable(error: BaseException) -> bool:
    """An error the adapters let through says AWS did not answer (botocore gave up): the API answers 503."""
    from chalicelib.adapters.availability import unavailable
    return unavailable(error)


def get_health_probe() -> DependencyProbe:
    from chalicelib.adapters.availability import DependencyProbe
    return _get("health_probe", lambda: DependencyProbe(get_settings().table_name, health_client("dynamodb"),
                                                        get_settings().ingest_queue_name, health_client("sqs")))


def get_api_keys() -> DynamoDBApiKeys:
    from chalicelib.adapters.dynamodb_api_keys import DynamoDBApiKeys
    return _get("api_keys", lambda: DynamoDBApiKeys(get_settings().table_name, client("dynamodb")))


def get_redemptions() -> DynamoDBRedemptions:
    from chalicelib.adapters.dynamodb_redemptions import DynamoDBRedemptions
    return _get("redemptions", lambda: DynamoDBRedemptions(get_settings().table_name, client("dynamodb")))


def get_audit() -> DynamoDBAuditTrail:
    from chalicelib.adapters.dynamodb_audit import DynamoDBAuditTrail
    return _get("audit", lambda: DynamoDBAuditTrail(get_settings().table_name, client("dynamodb")))


def get_ledger() -> DynamoDBLedger:
    from chalicelib.adapters.dynamodb_ledger import DynamoDBLedger
    return _get("ledger", lambda: DynamoDBLedger(get_settings().table_name, client("dynamodb"), get_crm_sync_marks()))


def get_crm_sync_marks() -> Callable[[str], bool]:
    """Whether a program's ledger changes mark its members for the CRM sync (the bench overrides it)."""
    return _get("crm_sync_marks", lambda: program_syncs_crm)


def program_syncs_crm(program_id: str) -> bool:
    """Only a program with a connector (a HubSpot or Shopify token, read through the directory's cache) has a CRM to
    tell, so only its members are marked. When the settings cannot be read the mark is written: it costs a few write
    units, where a missing one would keep a change from the CRM."""
    from chalicelib.domain.errors import TemporarilyUnavailable
    try:
        return get_directory().connector_settings(program_id).syncs
    except TemporarilyUnavailable:
        return True


def get_requests() -> DynamoDBDataRequests:
    from chalicelib.adapters.dynamodb_requests import DynamoDBDataRequests
    return _get("requests", lambda: DynamoDBDataRequests(get_settings().table_name, client("dynamodb")))


def get_outbox() -> DynamoDBOutbox:
    from chalicelib.adapters.dynamodb_outbox import DynamoDBOutbox
    return _get("outbox", lambda: DynamoDBOutbox(get_settings().table_name, client("dynamodb")))


def get_mailer() -> SesMailer:
    from chalicelib.adapters.ses_mailer import SesMailer
    return _get("mailer", lambda: SesMailer(client("ses")))


def get_composer() -> Composer:
    from chalicelib.messaging.composer import MessageComposer  # Jinja2 only where mail is composed
    return _get("composer", MessageComposer)


def get_products() -> DynamoDBProducts:
    from chalicelib.adapters.dynamodb_profiles import DynamoDBProducts
    return _get("products", lambda: DynamoDBProducts(get_settings().table_name, client("dynamodb")))


def get_shops() -> DynamoDBShopData:
    from chalicelib.adapters.dynamodb_shops import DynamoDBShopData
    return _get("shops", lambda: DynamoDBShopData(get_settings().table_name, client("dynamodb")))


def get_rewards() -> DynamoDBRewards:
    from chalicelib.adapters.dynamodb_rewards import DynamoDBRewards
    return _get("rewards", lambda: DynamoDBRewards(get_settings().table_name, client("dynamodb")))


RULES_MAX_AGE = 60      # seconds a container keeps a program's rule versions (5 s on the local stack)


def get_rules() -> DynamoDBRules:
    from chalicelib.adapters.dynamodb_rules import DynamoDBRules
    return _get("rules", lambda: DynamoDBRules(get_settings().table_name, client("dynamodb"),
                                               max_age=min(RULES_MAX_AGE, get_settings().cache_seconds)))


def get_shop_index() -> DynamoDBShopIndex:
    from chalicelib.adapters.dynamodb_exports import DynamoDBShopIndex
    return _get("shop_index", lambda: DynamoDBShopIndex(get_settings().table_name, client("dynamodb")))


def get_profiles() -> DynamoDBProfiles:
    from chalicelib.adapters.dynamodb_profiles import DynamoDBProfiles
    return _get("profiles", lambda: DynamoDBProfiles(get_settings().table_name, client("dynamodb")))


def get_due_work() -> DynamoDBDueWork:
    from chalicelib.adapters.dynamodb_due import DynamoDBDueWork
    return _get("due_work", lambda: DynamoDBDueWork(get_settings().table_name, client("dynamodb"), get_clock()))


def get_refused_deliveries() -> DynamoDBRefusedDeliveries:
    from chalicelib.adapters.dynamodb_deliveries import DynamoDBRefusedDeliveries
    return _get("refused_deliveries",
                lambda: DynamoDBRefusedDeliveries(get_settings().table_name, client("dynamodb")))


def get_reconciliation() -> DynamoDBReconciliation:
    from chalicelib.adapters.dynamodb_reconciliation import DynamoDBReconciliation
    return _get("reconciliation", lambda: DynamoDBReconciliation(get_settings().table_name, client("dynamodb")))


def get_order_reader(program_id: str) -> ShopifyOrders | None:
    """The program's Shopify orders for reconciliation (None without Shopify Admin API access)."""
    from chalicelib.adapters.shopify_admin import ShopifyAdmin
    from chalicelib.adapters.shopify_orders import ShopifyOrderReader
    admin = get_connector_clients().for_program(program_id).shopify
    return ShopifyOrderReader(admin) if isinstance(admin, ShopifyAdmin) else None


def get_contact_reader(program_id: str) -> HubSpotCreatedContacts | None:
    """The program's HubSpot contacts for reconciliation (None without HubSpot access or a portal)."""
    from chalicelib.adapters.hubspot_api import HubSpotApi
    contacts = get_hubspot_context(program_id).contacts
    return contacts if isinstance(contacts, HubSpotApi) and get_directory().hubspot_portal(program_id) else None


def get_ingest_queue() -> SqsIngestQueue:
    from chalicelib.adapters.sqs_queue import SqsIngestQueue
    return _get("ingest_queue", lambda: SqsIngestQueue(get_settings().ingest_queue_name, client("sqs"),
                                                       get_payload_store()))


def get_payload_store() -> S3PayloadStore:
    """Webhook bodies too large for the queue (the bucket's name is read from SSM when first needed)."""
    from chalicelib.adapters.s3_payloads import S3PayloadStore
    return _get("payload_store", lambda: S3PayloadStore(client("s3"), get_directory().payload_bucket))


def get_directory() -> ParameterProgramDirectory:
    def build() -> ParameterProgramDirectory:
        from aws_lambda_powertools.utilities.parameters import SecretsProvider, SSMProvider

        from chalicelib.adapters.program_directory import ParameterProgramDirectory
        s = get_settings()
        return ParameterProgramDirectory(
            s.param_prefix, s.secret_prefix,
            SSMProvider(boto3_client=client("ssm")), SecretsProvider(boto3_client=client("secretsmanager")),
            max_age=s.cache_seconds,
        )
    return _get("directory", build)


def get_clock() -> SystemClock:
    from chalicelib.adapters.clock import SystemClock
    return _get("clock", SystemClock)


def get_identities() -> DynamoDBIdentities:
    from chalicelib.adapters.dynamodb_identities import DynamoDBIdentities
    return _get("identities", lambda: DynamoDBIdentities(get_settings().table_name, client("dynamodb")))


def get_hubspot_context(program_id: str) -> HubSpotContext:
    """A program's HubSpot settings, the identity links and its outbound client (None without an access token)."""
    from chalicelib.services.hubspot_members import HubSpotContext
    settings = get_directory().hubspot_settings(program_id)
    return HubSpotContext(settings, get_identities(), get_hubspot_api(program_id, settings))


def get_hubspot_api(program_id: str, settings: HubSpotSettings) -> HubSpotContacts | None:
    if not settings.access_token:
        return None
    from chalicelib.adapters.hubspot_api import HubSpotApi  # requests only where HubSpot is called
    return _get(f"hubspot_api:{program_id}:{hashlib.sha256(settings.access_token.encode()).hexdigest()[:12]}",
                lambda: HubSpotApi(settings.api_base, settings.access_token, metrics=get_metrics()))


def get_crm_sync() -> CrmSyncStore:
    from chalicelib.adapters.dynamodb_crm_sync import DynamoDBCrmSync
    return _get("crm_sync", lambda: DynamoDBCrmSync(get_settings().table_name, client("dynamodb")))


def get_followups() -> FollowUpLog:
    """What each unhappy answer's follow-up did (its HubSpot task, the merchant's alert)."""
    from chalicelib.adapters.dynamodb_followups import DynamoDBFollowUps
    return _get("followups", lambda: DynamoDBFollowUps(get_settings().table_name, client("dynamodb")))


def get_connector_clients() -> ConnectorFactory:
    """Each program's HubSpot and Shopify clients for the CRM sync (tests override this with a fake sleep)."""
    from chalicelib.adapters.crm_connectors import ConnectorClients  # requests only where the sync runs
    return _get("connector_clients", lambda: ConnectorClients(get_directory().connector_settings,
                                                              metrics=get_metrics()))


def get_metrics() -> Metrics:
    """Business figures in CloudWatch Embedded Metric Format, published once per invocation: by app.py's middleware
    for the API, by `observability.observed` around each worker and job handler."""
    from chalicelib.adapters.emf_metrics import EmfMetrics
    return _get("metrics", lambda: EmfMetrics(get_settings().stage))


def get_formats() -> PlatformFormats:
    """The platforms' wire formats: webhook signatures and bodies, queued envelopes, SES feedback notices."""
    from chalicelib.adapters.platform_formats import PlatformFormats
    return _get("formats", PlatformFormats)


def get_journey_store() -> DynamoDBJourneyStore:
    """The nightly journey run's progress, files (in the payload bucket, under journey/) and fitted models."""
    from chalicelib.adapters.dynamodb_journey import DynamoDBJourneyStore
    return _get("journey_store", lambda: DynamoDBJourneyStore(get_settings().table_name, client("dynamodb"),
                                                              client("s3"), get_directory().payload_bucket))


def get_customer_model() -> CustomerModel:
    """BG/NBD + Gamma-Gamma on numpy/scipy: loaded only by the function that has the model layer (handle_journey)."""
    from chalicelib.adapters.customer_model import ScipyCustomerModel
    return _get("customer_model", ScipyCustomerModel)


def get_journey_deps() -> JourneyDeps:
    def build() -> JourneyDeps:
        from chalicelib.adapters.sqs_queue import SqsTaskQueue
        from chalicelib.services.journey_run import JourneyDeps
        from chalicelib.services.segment_lists import ListDeps
        s = get_settings()
        lists = ListDeps(get_segment_lists(), get_journey_store(),
                         lambda program_id: get_connector_clients().for_program(program_id).lists, get_clock())
        return JourneyDeps(get_member_shards(), get_journey_store(),
                           SqsTaskQueue(s.journey_queue_name, client("sqs")), get_customer_model, get_rules(),
                           get_clock(), get_segments(), lists, get_campaigns(),
                           lambda program_id: get_directory().messaging(program_id).policy.timezone)
    return _get("journey_deps", build)


def get_campaigns() -> DynamoDBCampaigns:
    """Campaign definitions and their members' walks (enrollments, in the Due index while a step is due)."""
    from chalicelib.adapters.dynamodb_campaigns import DynamoDBCampaigns
    return _get("campaigns", lambda: DynamoDBCampaigns(get_settings().table_name, client("dynamodb")))


def get_offer_deps() -> OfferDeps:
    """What granting an offer needs: the ledger, the member's boost, the reward machinery, the rules, and each
    program's Shopify Admin client (None without a connector) for reward codes and customer tags."""
    def build() -> OfferDeps:
        from chalicelib.adapters.dynamodb_offers import DynamoDBBoosts
        from chalicelib.services.offers import OfferDeps
        return OfferDeps(get_ledger(), DynamoDBBoosts(get_settings().table_name, client("dynamodb")), get_rewards(),
                         get_redemptions(), get_rules(),
                         lambda program_id: get_connector_clients().for_program(program_id).shopify)
    return _get("offer_deps", build)


def get_offer_grant(program_id: str) -> Callable[[Member, object, str, datetime], tuple[int, Decimal]]:
    """The program's offers granted from their stored JSON (member, offer, key, now) → (points, cost)."""
    from chalicelib.services.offers import granter
    return granter(program_id, get_offer_deps())


def get_member_shards() -> DynamoDBMemberShards:
    """A program's member profiles, shard by shard (the `Members` index)."""
    from chalicelib.adapters.dynamodb_journey import DynamoDBMemberShards
    return _get("member_shards", lambda: DynamoDBMemberShards(get_settings().table_name, client("dynamodb")))


def get_segments() -> DynamoDBSegments:
    """The program's merchant-defined segments."""
    from chalicelib.adapters.dynamodb_segments import DynamoDBSegments
    return _get("segments", lambda: DynamoDBSegments(get_settings().table_name, client("dynamodb")))


def get_segment_lists() -> DynamoDBSegmentLists:
    """The segments mirrored as HubSpot static lists, and what each list holds (the payload bucket, hubspot-lists/)."""
    from chalicelib.adapters.dynamodb_segment_lists import DynamoDBSegmentLists
    return _get("segment_lists", lambda: DynamoDBSegmentLists(get_settings().table_name, client("dynamodb"),
                                                              client("s3"), get_directory().payload_bucket))


def get_feedback_store() -> DynamoDBFeedbackStore:
    """Surveys sent and their answers (the FeedbackStore and FeedbackListing ports)."""
    from chalicelib.adapters.dynamodb_feedback import DynamoDBFeedbackStore
    return _get("feedback_store", lambda: DynamoDBFeedbackStore(get_settings().table_name, client("dynamodb")))


def get_figures() -> DynamoDBFigures:
    """The day counters the ledger's transactions keep, and their month totals (domain/figures.py)."""
    from chalicelib.adapters.dynamodb_figures import DynamoDBFigures
    return _get("figures", lambda: DynamoDBFigures(get_settings().table_name, client("dynamodb")))


def get_analytics() -> Sources:
    """What the program's figures are read from."""
    from chalicelib.services.analytics import Sources
    return _get("analytics", lambda: Sources(get_figures(), get_journey_store(), get_feedback_store(),
                                             get_directory(), get_rules()))


def get_sentiment() -> VaderSentiment:
    """A comment's polarity (VADER); its lexicon loads on the first comment, never at import."""
    from chalicelib.adapters.vader_sentiment import VaderSentiment
    return _get("sentiment", VaderSentiment)


def get_engagement() -> DynamoDBEngagement:
    """Clicks, deliveries and opens of our mail: the messages they are about and the members' timeline events."""
    from chalicelib.adapters.dynamodb_engagement import DynamoDBEngagement
    return _get("engagement", lambda: DynamoDBEngagement(get_settings().table_name, client("dynamodb")))


def get_campaign_progress() -> CampaignProgress | None:
    """What a person's click on a campaign mail moves on: a step waiting for a click (the campaign store)."""
    from chalicelib.services.campaign_run import ClickProgress
    return _get("campaign_progress", lambda: ClickProgress(get_campaigns(), get_clock()))


def get_table_exports() -> DynamoDBTableExports:
    """The table's exports to the analytics bucket (the daily analytics_export job)."""
    from chalicelib.adapters.dynamodb_table_export import DynamoDBTableExports
    s = get_settings()
    return _get("table_exports", lambda: DynamoDBTableExports(s.table_name, s.analytics_bucket, client("dynamodb")))
