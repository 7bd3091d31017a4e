"""GET /health checks what it claims (the table, the ingest queue), and an admin call fails fast with a 503 when
DynamoDB does not answer, instead of hanging on botocore's default 60 s read timeout and retries."""
from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import bootstrap as composition
from infra.local.bootstrap import bootstrap
from infra.local.settings import program_settings
from tests.e2e.harness import _free_port

pytestmark = [pytest.mark.local_stack, pytest.mark.timeout(60)]
ADMIN = {"Authorization": "Bearer local-admin-key"}


@pytest.fixture
def client(aws_env: str) -> Iterator[Client]:
    """The app on the moto server, with the local program seeded; fresh clients (so fresh endpoints) each test."""
    import app
    composition.reset()
    bootstrap(program_settings({}))
    with Client(app.app, stage_name="local") as test_client:
        yield test_client
    composition.reset()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers: a DynamoDB that hangs."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield int(listener.getsockname()[1])


def _error(response: Any) -> tuple[int, str]:
    return response.status_code, response.json_body["error"]["code"]


def test_health_is_ok_when_the_table_and_the_queue_answer(client: Client) -> None:
    response = client.http.get("/health")

    assert (response.status_code, response.json_body) == (200, {"status": "ok"})


def test_health_is_503_when_dynamodb_refuses_connections(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", f"http://127.0.0.1:{_free_port()}")  # nothing listens there

    response = client.http.get("/health")

    assert _error(response) == (503, "service_unavailable")
    assert "DynamoDB" in response.json_body["error"]["message"]
    assert response.headers["Retry-After"] == "5"


def test_health_is_503_when_dynamodb_does_not_answer(client: Client, silent_port: int,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", f"http://127.0.0.1:{silent_port}")

    response = client.http.get("/health")

    assert _error(response) == (503, "service_unavailable")


def test_health_is_503_when_the_ingest_queue_is_missing(client: Client) -> None:
    import boto3
    sqs = boto3.client("sqs")
    sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName="loyalty-local-ingest")["QueueUrl"])

    response = client.http.get("/health")

    assert _error(response) == (503, "service_unavailable")
    assert "SQS" in response.json_body["error"]["message"]


def test_an_admin_call_fails_fast_with_503_when_dynamodb_does_not_answer(client: Client, silent_port: int,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """On the API function (Lambda's _HANDLER app.app) three attempts of 2 s each: a 503, not a gateway timeout."""
    monkeypatch.setenv("_HANDLER", "app.app")
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", f"http://127.0.0.1:{silent_port}")

    response = client.http.get("/admin/members/m_0000", headers=ADMIN)

    assert _error(response) == (503, "service_unavailable")


def test_an_admin_call_is_503_when_dynamodb_refuses_connections(client: Client,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", f"http://127.0.0.1:{_free_port()}")

    response = client.http.get("/admin/members?email=ada@example.com", headers=ADMIN)

    assert _error(response) == (503, "service_unavailable")
    assert response.headers["Retry-After"] == "5"


def test_the_api_function_reads_for_2_s_and_the_others_for_10_s_with_3_attempts() -> None:
    api, worker = composition.client_config({"_HANDLER": "app.app"}), composition.client_config({})

    assert (api.connect_timeout, api.read_timeout, worker.connect_timeout, worker.read_timeout) == (2, 2, 2, 10)
    assert api.retries == worker.retries == {"mode": "standard", "max_attempts": 3}
