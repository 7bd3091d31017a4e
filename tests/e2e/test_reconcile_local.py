"""Reconciliation on the real local stack, as the README has a new user try it: the Shopify stand-in has an order and
a refund whose webhooks never came (`make webhook … DROP=1`), the HubSpot stand-in a contact, `make job
JOB=reconcile` repairs them, and a second run changes nothing."""
from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from tests.e2e.harness import ADMIN, Stack, find_member, queues_empty, start_stack, stop_and_check, wait

pytestmark = [pytest.mark.local_stack, pytest.mark.timeout(240)]
ORDER = "tests/events/shopify/orders-paid.2026-04.json"
REFUND = "tests/events/shopify/refunds-create.2026-04.json"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("reconcile") / "data", shopify=True)
    yield running
    stop_and_check(running)


def listening(port: int) -> list[str]:
    """The local addresses of the TCP sockets listening on `port` (/proc/net/tcp and tcp6, hex as the kernel gives)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:           # 0A: LISTEN
                found.append(address)
    return found


LOOPBACK = {"0100007F", "0000000000000000FFFF00000100007F", "00000000000000000000000001000000"}


@pytest.mark.allow_hosts(["127.0.0.1", "127.0.0.2"])         # 127.0.0.2 is this machine too: a wildcard bind answers
def test_every_service_of_the_stack_listens_on_the_loopback_only(stack: Stack) -> None:
    ports = stack.ports or {}
    assert set(ports) == {"LOYALTY_PORT", "LOYALTY_DDB_PORT", "LOYALTY_AWS_PORT", "LOYALTY_HUBSPOT_PORT",
                          "LOYALTY_SHOPIFY_PORT"}
    for name, port in ports.items():
        addresses = listening(port)
        assert addresses, f"nothing listens on {name}={port}"
        assert set(addresses) <= LOOPBACK, f"{name}={port} listens on {addresses}"
        with pytest.raises(ConnectionRefusedError):                    # another loopback address: refused
            socket.create_connection(("127.0.0.2", port), timeout=2).close()


def test_a_dropped_order_and_refund_are_repaired_once(stack: Stack) -> None:
    dropped = stack.command("infra.webhook", ORDER, "--drop")
    assert dropped.returncode == 0, dropped.stderr
    assert stack.command("infra.webhook", REFUND, "--topic", "refunds/create", "--drop").returncode == 0
    hubspot = f"http://127.0.0.1:{(stack.ports or {})['LOYALTY_HUBSPOT_PORT']}"
    requests.post(f"{hubspot}/_standin/contacts", json={"email": "grace@example.com", "firstname": "Grace"},
                  timeout=10).raise_for_status()                          # a HubSpot contact, no webhook either
    assert find_member(stack.api, "ada@example.com") is None              # nothing was delivered
    later = (datetime.now(UTC) + timedelta(minutes=20)).isoformat()      # past the 15 settling minutes

    first = stack.job("reconcile", later)

    assert first.returncode == 0, first.stdout + first.stderr
    member = wait(lambda: find_member(stack.api, "ada@example.com"), 20)
    assert member is not None
    # 150.74 of merchandise earns 150; the refund of 54.00 of it takes back ⌊150 × 54 / 150.74⌋ = 53 (the same
    # figures as the two webhooks delivered: tests/integration/test_reconciliation.py compares whole ledgers)
    assert (member["points_balance"], member["lifetime_points"]) == (97, 97)
    repaired = requests.get(f"{stack.api}/admin/deliveries/repaired", headers=ADMIN, timeout=10).json()["repaired"]
    assert sorted((r["source"], r["facts"]) for r in repaired) == [
        ("hubspot", ["contact"]), ("shopify", ["paid", "refund:890088186047892319"])]
    assert find_member(stack.api, "grace@example.com") is not None

    second = stack.job("reconcile", (datetime.now(UTC) + timedelta(minutes=80)).isoformat())

    assert second.returncode == 0, second.stderr
    assert wait(lambda: queues_empty(stack), 20)
    assert find_member(stack.api, "ada@example.com")["points_balance"] == 97
    shopify, contacts = requests.get(f"{stack.api}/admin/reconciliation", headers=ADMIN, timeout=10).json()["sources"]
    assert (shopify["last_run"]["scanned"], shopify["last_run"]["repaired"]) == (1, 0)
    assert (contacts["last_run"]["scanned"], contacts["last_run"]["repaired"]) == (1, 0)
