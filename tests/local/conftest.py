"""A locked moto server (infra.local.moto_server) on a free loopback port, shared by the tests of tests/local."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from infra.local.moto_server import make_moto_server


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(endpoint URL, data dir) of one moto server for the session; tests reset it through `aws_env`."""
    data_dir = tmp_path_factory.mktemp("moto-data")
    server = make_moto_server(0, data_dir)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", data_dir
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def aws_env(moto_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty moto behind AWS_ENDPOINT_URL, with the local stack's fake credentials; returns the endpoint."""
    endpoint, _ = moto_server
    requests.post(f"{endpoint}/moto-api/reset", timeout=10).raise_for_status()
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "eu-west-1", "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
                        "AWS_ENDPOINT_URL": endpoint}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    return endpoint
