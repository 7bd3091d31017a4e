"""Calling the app's Lambda handlers the way Lambda does: the handler object, a context, an event."""
from __future__ import annotations

import functools
import importlib
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chalice import Chalice

from infra.local.schedule import expression_text
from infra.local.settings import ACCOUNT_ID, REGION, STAGE, apply_stage_env, chalice_config


@dataclass
class FakeContext:
    """The attributes of Lambda's context object that Powertools and Chalice read."""

    function_name: str
    memory_limit_in_mb: int = 128
    timeout_seconds: int = 60
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{self.aws_request_id.replace('-', '')}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (time.monotonic() - self.started)) * 1000))


def context_for(app: Chalice, name: str) -> FakeContext:
    """A fresh context per invocation, with the stage's memory and timeout for that function when configured."""
    return FakeContext(f"{app.app_name}-{STAGE}-{name}", *_limits(name))


@functools.cache
def _limits(name: str) -> tuple[int, int]:
    try:
        config = chalice_config(function_name=name)
        return int(config.lambda_memory_size or 128), int(config.lambda_timeout or 60)
    except (OSError, ValueError, KeyError):
        return 128, 60


def load_app() -> Chalice:
    """The project's Chalice app (app.py at the repo root), with the stage's environment as `chalice local` sets it."""
    apply_stage_env()
    return importlib.import_module("app").app  # type: ignore[no-any-return]


def resolve_handler(handler_string: str) -> Any:
    """`chalicelib.jobs.worker.handle_ingest` → the callable Lambda would run, `(event, context)`."""
    module, _, attribute = handler_string.rpartition(".")
    return getattr(importlib.import_module(module), attribute)


def handler_for(app: Chalice, name: str, handler_string: str) -> Any:
    """The registered handler object; Chalice names handlers defined on the app itself `app.<fn>` (app.py), so
    for any other module (a test's app) the object comes from the app's handler map rather than the string."""
    return app.handler_map.get(name) or resolve_handler(handler_string)


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    python_name: str
    expression: str
    handler_string: str


def scheduled_jobs(app: Chalice) -> list[ScheduledJob]:
    """Every event source with a schedule, in registration order."""
    jobs = []
    for source in app.event_sources:
        expression = getattr(source, "schedule_expression", None)
        if expression is not None:
            jobs.append(ScheduledJob(source.name, source.handler_string.rpartition(".")[2],
                                     expression_text(expression), source.handler_string))
    return jobs


def scheduled_event(app: Chalice, job: ScheduledJob, when: datetime) -> dict[str, Any]:
    """The EventBridge "Scheduled Event" a rule sends, with `time` = the firing time."""
    when = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
        "account": ACCOUNT_ID, "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{app.app_name}-{STAGE}-{job.name}"],
        "detail": {},
    }


def run_job(app: Chalice, job: ScheduledJob, when: datetime) -> Any:
    """Run one scheduled function as if its schedule fired at `when`."""
    handler = handler_for(app, job.name, job.handler_string)
    return handler(scheduled_event(app, job, when), context_for(app, job.name))
