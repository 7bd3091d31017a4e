"""The local API server takes a burst of clients: connections wait in the kernel while its threads are busy.

`chalice local` listened with a backlog of 5: with every thread busy, the 7th simultaneous client was refused
at the door (its SYNs dropped) and Shopify-like clients timed out or saw resets at ~50 concurrent connections.
"""
from __future__ import annotations

import os
import selectors
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from infra.local.settings import REPO_ROOT, port_open
from tests.e2e.harness import _free_port, wait

pytestmark = [pytest.mark.local_stack, pytest.mark.timeout(120)]
CLIENTS = 100


@pytest.fixture
def api_server() -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "infra.local.api_server", "--port", str(port)], cwd=REPO_ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
    try:
        assert wait(lambda: server.poll() is not None or port_open(port), 60), "the API server did not listen"
        assert server.poll() is None
        yield server, port
    finally:
        server.send_signal(signal.SIGCONT)
        server.terminate()
        server.wait(timeout=30)


def connect_all(port: int, count: int, seconds: float) -> tuple[list[socket.socket], int]:
    """Start `count` connections at once; how many the kernel completed within `seconds`."""
    selector = selectors.DefaultSelector()
    sockets = []
    for _ in range(count):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        selector.register(s, selectors.EVENT_WRITE)
        sockets.append(s)
    connected: set[socket.socket] = set()
    while len(connected) < count and (events := selector.select(timeout=seconds)):
        for key, _ in events:
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            selector.unregister(sock)
            if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                connected.add(sock)
    selector.close()
    return sockets, len(connected)


def test_a_hundred_clients_arriving_while_the_server_is_busy_are_all_served(
        api_server: tuple[subprocess.Popen[bytes], int]) -> None:
    server, port = api_server
    server.send_signal(signal.SIGSTOP)  # every thread busy: nothing is accepted until it resumes

    sockets, connected = connect_all(port, CLIENTS, seconds=3)
    try:
        assert connected == CLIENTS  # held in the listen backlog, not dropped

        server.send_signal(signal.SIGCONT)
        answers = []
        for sock in sockets:
            sock.setblocking(True)
            sock.settimeout(30)
            sock.sendall(b"GET /no-such-route HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        for sock in sockets:
            answers.append(sock.recv(64).split(b"\r\n", 1)[0])
        assert answers == [b"HTTP/1.1 403 Forbidden"] * CLIENTS  # API Gateway's answer to an unknown route
    finally:
        for sock in sockets:
            sock.close()
