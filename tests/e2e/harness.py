"""The real local stack (`python -m infra.local.run`: DynamoDB Local, moto, the API, the pump), started
and driven over HTTP by the e2e tests."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from infra.local.settings import REPO_ROOT

ADMIN = {"Authorization": "Bearer local-admin-key"}
# The stack must run on its defaults (CONTRACT.md), whatever the developer's shell or an earlier test exported.
INHERITED_SETTINGS = ("LOYALTY_", "SHOPIFY_", "HUBSPOT_", "AWS_ENDPOINT_URL")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Stack:
    process: subprocess.Popen[bytes]
    api: str
    aws: str
    log: Path
    ports: dict[str, int] | None = None     # LOYALTY_PORT, LOYALTY_DDB_PORT, LOYALTY_AWS_PORT, LOYALTY_HUBSPOT_PORT

    def job(self, name: str, at: str | None = None) -> subprocess.CompletedProcess[str]:
        """`make job JOB=<name> [AT=<at>]` against this stack."""
        return self.command("infra.local.job", "--job", name, *(["--at", at] if at else []))

    def command(self, module: str, *args: str) -> subprocess.CompletedProcess[str]:
        """`python -m <module> <args>` beside this stack, as a `make` command runs it."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(INHERITED_SETTINGS)}
        env.update({k: str(v) for k, v in (self.ports or {}).items()})
        return subprocess.run([sys.executable, "-m", module, *args], cwd=REPO_ROOT, env=env, capture_output=True,
                              text=True, timeout=600, check=False)

    def children(self) -> list[int]:
        """PIDs whose parent is the run process (each leads its own process group)."""
        return [pid for pid, state, parent, _ in process_table() if parent == self.process.pid]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)


def process_table() -> list[tuple[int, str, int, int]]:
    """(pid, state, parent pid, process group) of every process, from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found.append((int(stat.parent.name), fields[0], int(fields[1]), int(fields[2])))
    return found


def start_stack(data_dir: Path, shopify: bool = False) -> Stack:
    """The stack with the HubSpot stand-in; with `shopify`, the Shopify Admin API stand-in too."""
    ports = {"LOYALTY_PORT": _free_port(), "LOYALTY_DDB_PORT": _free_port(), "LOYALTY_AWS_PORT": _free_port(),
             "LOYALTY_HUBSPOT_PORT": _free_port(), "LOYALTY_SHOPIFY_PORT": _free_port()}
    env = {k: v for k, v in os.environ.items() if not k.startswith(INHERITED_SETTINGS)}
    env.update({k: str(v) for k, v in ports.items()}, LOYALTY_DATA_DIR=str(data_dir), LOYALTY_HUBSPOT_STANDIN="1",
               LOYALTY_SHOPIFY_STANDIN="1" if shopify else "0")
    log = data_dir.parent / f"{data_dir.name}-{time.monotonic_ns()}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "infra.local.run"], cwd=REPO_ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    stack = Stack(process, f"http://127.0.0.1:{ports['LOYALTY_PORT']}", f"http://127.0.0.1:{ports['LOYALTY_AWS_PORT']}",
                  log, ports)
    wait(lambda: process.poll() is not None or "Local stack ready" in log.read_text(errors="replace"), 90)
    if process.poll() is not None:
        raise AssertionError(f"the stack exited with {process.returncode}:\n{log.read_text(errors='replace')}")
    return stack


def stop_and_check(stack: Stack) -> None:
    children = stack.children()
    assert len(children) == 4, children  # DynamoDB Local, moto (+ durable SQS), pump, API (infra.local.api_server)

    assert stack.stop() == 0

    for pid in children:
        with pytest.raises(ProcessLookupError):
            os.killpg(pid, 0)  # no process left in the child's group


def wait(condition: Callable[[], Any], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.2)
    return condition()


def order(order_id: int, email: str) -> dict[str, Any]:
    """orders/paid: 2×25.00 + 1×30.00 with a 10.00 discount, plus tax, shipping and a gift card → 70 points."""
    def line(line_id: int, quantity: int, price: str, **extra: Any) -> dict[str, Any]:
        return {"id": line_id, "product_id": line_id + 100, "quantity": quantity, "price": price,
                "gift_card": False, "discount_allocations": [], "tax_lines": [{"price": "1.50"}], **extra}
    return {
        "id": order_id, "name": f"#{order_id % 10000}", "email": email, "currency": "EUR",
        "presentment_currency": "EUR", "processed_at": "2026-04-01T10:00:00+02:00", "test": False,
        "taxes_included": False, "customer": {"id": order_id + 7, "email": email, "first_name": "Jon"},
        "line_items": [line(1, 2, "25.00", discount_allocations=[{"amount": "10.00"}]), line(2, 1, "30.00"),
                       line(3, 1, "20.00", gift_card=True)],
        "shipping_lines": [{"price": "4.90"}], "total_tax": "4.50",
    }


def post_webhook(api: str, body: bytes, webhook_id: str, secret: bytes = b"local-shopify-secret",
                 topic: str = "orders/paid") -> requests.Response:
    signature = base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest()).decode()
    headers = {"Content-Type": "application/json", "X-Shopify-Topic": topic,
               "X-Shopify-Hmac-Sha256": signature, "X-Shopify-Shop-Domain": "demo-shop.myshopify.com",
               "X-Shopify-API-Version": "2026-04", "X-Shopify-Webhook-Id": webhook_id,
               "X-Shopify-Event-Id": str(uuid.uuid4()), "X-Shopify-Triggered-At": "2026-04-01T08:00:01.000Z"}
    return requests.post(f"{api}/webhooks/shopify", data=body, headers=headers, timeout=10)


def find_member(api: str, email: str) -> dict[str, Any] | None:
    response = requests.get(f"{api}/admin/members", params={"email": email}, headers=ADMIN, timeout=10)
    assert response.status_code == 200, response.text
    members = response.json()["members"]
    return members[0] if members else None


def queues_empty(stack: Stack) -> bool:
    sqs = boto3.client("sqs", endpoint_url=stack.aws, region_name="eu-west-1", aws_access_key_id="testing",
                       aws_secret_access_key="testing")
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    for queue in ("loyalty-local-ingest", "loyalty-local-ingest-dlq"):
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        if any(int(attributes[n]) for n in names):
            return False
    return True
