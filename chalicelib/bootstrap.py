"""Composition root: the only place clients and adapters are built, lazily, once per container.

Tests replace any dependency with `override(name, value)` and start fresh with `reset()`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import boto3
from aws_lambda_powertools.utilities.parameters import SecretsProvider, SSMProvider

from chalicelib.adapters.clock import SystemClock
from chalicelib.adapters.dynamodb_due import DynamoDBDueWork
from chalicelib.adapters.dynamodb_ledger import DynamoDBLedger
from chalicelib.adapters.dynamodb_outbox import DynamoDBOutbox
from chalicelib.adapters.dynamodb_profiles import DynamoDBProducts, DynamoDBProfiles
from chalicelib.adapters.dynamodb_requests import DynamoDBDataRequests
from chalicelib.adapters.dynamodb_rewards import DynamoDBRewards
from chalicelib.adapters.dynamodb_rules import DynamoDBRules
from chalicelib.adapters.dynamodb_shops import DynamoDBShopData
from chalicelib.adapters.program_directory import ParameterProgramDirectory
from chalicelib.adapters.ses_mailer import SesMailer
from chalicelib.adapters.sqs_queue import SqsIngestQueue
from chalicelib.config import Settings, load_settings

T = TypeVar("T")
_built: dict[str, Any] = {}


def _get(name: str, factory: Callable[[], T]) -> T:
    if name not in _built:
        _built[name] = factory()
    return _built[name]  # type: ignore[no-any-return]


def override(name: str, value: Any) -> None:
    _built[name] = value


def reset() -> None:
    _built.clear()


def get_settings() -> Settings:
    return _get("settings", load_settings)


def client(service: str) -> Any:
    return _get(f"client:{service}", lambda: boto3.client(service))  # type: ignore[call-overload]


def get_ledger() -> DynamoDBLedger:
    return _get("ledger", lambda: DynamoDBLedger(get_settings().table_name, client("dynamodb")))


def get_requests() -> DynamoDBDataRequests:
    return _get("requests", lambda: DynamoDBDataRequests(get_settings().table_name, client("dynamodb")))


def get_outbox() -> DynamoDBOutbox:
    return _get("outbox", lambda: DynamoDBOutbox(get_settings().table_name, client("dynamodb")))


def get_mailer() -> SesMailer:
    return _get("mailer", lambda: SesMailer(client("ses")))


def get_composer() -> Any:
    from chalicelib.messaging.composer import MessageComposer  # Jinja2 only where mail is composed
    return _get("composer", MessageComposer)


def get_products() -> DynamoDBProducts:
    return _get("products", lambda: DynamoDBProducts(get_settings().table_name, client("dynamodb")))


def get_shops() -> DynamoDBShopData:
    return _get("shops", lambda: DynamoDBShopData(get_settings().table_name, client("dynamodb")))


def get_rewards() -> DynamoDBRewards:
    return _get("rewards", lambda: DynamoDBRewards(get_settings().table_name, client("dynamodb")))


def get_rules() -> DynamoDBRules:
    return _get("rules", lambda: DynamoDBRules(get_settings().table_name, client("dynamodb")))


def get_profiles() -> DynamoDBProfiles:
    return _get("profiles", lambda: DynamoDBProfiles(get_settings().table_name, client("dynamodb")))


def get_due_work() -> DynamoDBDueWork:
    return _get("due_work", lambda: DynamoDBDueWork(get_settings().table_name, client("dynamodb")))


def get_ingest_queue() -> SqsIngestQueue:
    return _get("ingest_queue", lambda: SqsIngestQueue(get_settings().ingest_queue_name, client("sqs")))


def get_directory() -> ParameterProgramDirectory:
    def build() -> ParameterProgramDirectory:
        s = get_settings()
        return ParameterProgramDirectory(
            s.param_prefix, s.secret_prefix,
            SSMProvider(boto3_client=client("ssm")), SecretsProvider(boto3_client=client("secretsmanager")),
            max_age=s.cache_seconds,
        )
    return _get("directory", build)


def get_clock() -> SystemClock:
    return _get("clock", SystemClock)
