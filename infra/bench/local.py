"""DynamoDB Local for the bench (in memory, free loopback port, stopped by PID in all cases) and its table.

The command line comes from the local stack (infra.local.run.dynamodb_local_command) with `-dbPath` swapped for
`-inMemory`; the table is created from infra/template.yaml by the local bootstrap's own table creator.
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
from botocore.config import Config

from chalicelib.config import load_settings
from infra.local.bootstrap import CREATORS, load_template
from infra.local.run import dynamodb_local_command
from infra.local.settings import ACCOUNT_ID, REGION, Ports, chalice_config, port_open, program_settings

TABLE = "AWS::DynamoDB::Table"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def in_memory_command(java: str, port: int, folder: Path) -> list[str]:
    return dynamodb_local_command(java, Ports(api=0, ddb=port, aws=0, data_dir=folder), in_memory=True)


@contextmanager
def dynamodb_local(timeout: float = 60.0) -> Iterator[str]:
    """Start DynamoDB Local, yield its endpoint URL, stop it (SIGTERM, then SIGKILL) on the way out."""
    java = shutil.which("java")
    if not java:
        raise SystemExit("Java runtime not found: the bench needs Java 17+ for DynamoDB Local.")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="loyalty-bench-") as folder:
        log_path = Path(folder) / "dynamodb-local.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(in_memory_command(java, port, Path(folder)), cwd=folder,
                                       stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
            try:
                _wait_ready(process, port, timeout, log_path)
                yield f"http://127.0.0.1:{port}"
            finally:
                _stop(process)


def _wait_ready(process: subprocess.Popen[bytes], port: int, timeout: float, log_path: Path) -> None:
    deadline = time.monotonic() + timeout
    while not port_open(port) or process.poll() is not None:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"DynamoDB Local exited with status {process.returncode}:\n{tail}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"DynamoDB Local did not listen on port {port} within {timeout:.0f} s")
        time.sleep(0.1)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def dynamodb_client(endpoint: str | None) -> Any:
    """A DynamoDB client with the local stack's fake credentials; no proxy (loopback only)."""
    return boto3.session.Session().client(
        "dynamodb", region_name=REGION, endpoint_url=endpoint, aws_access_key_id="testing",
        aws_secret_access_key="testing", config=Config(proxies={}))  # noqa: S106


class _LocalIdentity:
    """What load_template asks STS for (region, account): DynamoDB Local has no STS, and the bench needs none."""

    meta = SimpleNamespace(region_name=REGION)

    def get_caller_identity(self) -> dict[str, str]:
        return {"Account": ACCOUNT_ID}


def create_table(client: Any) -> str:
    """Create the template's tables with the bootstrap's creator; return the table the app's worker uses."""
    aws: Callable[[str], Any] = lambda service: client if service == "dynamodb" else _LocalIdentity()  # noqa: E731
    template = load_template(program_settings({}), aws)
    created = [CREATORS[TABLE](aws, template.resolve(spec.get("Properties", {}))).ref
               for spec in template.resources.values()
               if spec["Type"] == TABLE and ("Condition" not in spec or template.condition(spec["Condition"]))]
    table = load_settings(chalice_config().environment_variables).table_name
    if table not in created:
        raise RuntimeError(f"the template creates {created}, not the app's table {table}")
    return table
