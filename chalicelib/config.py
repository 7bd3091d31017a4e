"""Settings read once from the environment (explicit argument > environment > default)."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    stage: str
    table_name: str
    ingest_queue_name: str
    feedback_queue_name: str
    journey_queue_name: str
    param_prefix: str
    secret_prefix: str
    cache_seconds: int
    analytics_bucket: str = ""      # where the analytics export job writes (infra/template.yaml AnalyticsBucket)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    stage = env.get("LOYALTY_STAGE", "local")
    return Settings(
        stage=stage,
        table_name=env.get("LOYALTY_TABLE_NAME", f"loyalty-{stage}"),
        ingest_queue_name=env.get("LOYALTY_INGEST_QUEUE_NAME", f"loyalty-{stage}-ingest"),
        feedback_queue_name=env.get("LOYALTY_FEEDBACK_QUEUE_NAME", f"loyalty-{stage}-mail-feedback"),
        journey_queue_name=env.get("LOYALTY_JOURNEY_QUEUE_NAME", f"loyalty-{stage}-journey"),
        param_prefix=env.get("LOYALTY_PARAM_PREFIX", f"/loyalty/{stage}"),
        secret_prefix=env.get("LOYALTY_SECRET_PREFIX", f"loyalty/{stage}"),
        cache_seconds=int(env.get("LOYALTY_CACHE_SECONDS", "300")),
        analytics_bucket=env.get("LOYALTY_ANALYTICS_BUCKET", f"loyalty-{stage}-analytics"),
    )
