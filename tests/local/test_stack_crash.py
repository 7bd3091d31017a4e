"""The real local stack survives a crash: what it accepted is applied after a restart, and none of its processes
outlives it, even under load and even when its own process gets SIGKILL."""
from __future__ import annotations

import json
import os
import signal
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.e2e.harness import Stack, find_member, order, post_webhook, start_stack, stop_and_check, wait
from tests.local.test_processes import gone_within, group_alive

pytestmark = [pytest.mark.local_stack, pytest.mark.timeout(300)]


def _command(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")


def _kill_everything(stack: Stack, children: list[int]) -> None:
    stack.process.send_signal(signal.SIGKILL)
    stack.process.wait(timeout=10)
    for pid in children:
        if group_alive(pid):
            os.killpg(pid, signal.SIGKILL)


@contextmanager
def load(api: str, threads: int = 8) -> Iterator[list[int]]:
    """Clients posting signed orders as fast as the stack takes them; yields the list of answered statuses."""
    stop, statuses = threading.Event(), []

    def client(n: int) -> None:
        i = 0
        while not stop.is_set():
            i += 1
            body = json.dumps(order(7_000_000 + n * 100_000 + i, f"load-{n}-{i}@example.com")).encode()
            try:
                statuses.append(post_webhook(api, body, str(uuid.uuid4())).status_code)
            except requests.RequestException:
                stop.wait(0.05)

    workers = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(threads)]
    for worker in workers:
        worker.start()
    try:
        yield statuses
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=15)


def test_a_delivery_accepted_just_before_a_crash_is_applied_after_the_restart(tmp_path: Path) -> None:
    stack = start_stack(tmp_path / "data")
    children = stack.children()
    try:
        [pump] = [pid for pid in children if "infra.local.pump" in _command(pid)]
        os.killpg(pump, signal.SIGSTOP)  # the delivery stays queued: nothing applies it before the crash
        body = json.dumps(order(6_100_000_000_001, "crash@example.com")).encode()
        assert post_webhook(stack.api, body, str(uuid.uuid4())).status_code == 200
    finally:
        _kill_everything(stack, children)  # every process of the stack, SIGKILL: no chance to save anything
    assert gone_within(children, 10) == []

    again = start_stack(tmp_path / "data")
    try:
        member = wait(lambda: find_member(again.api, "crash@example.com"), 30)
        assert member is not None, "the delivery accepted before the crash was lost"
        assert member["points_balance"] == 70
    finally:
        stop_and_check(again)


def test_no_process_of_the_stack_outlives_a_sigkill_of_the_stack_under_load(tmp_path: Path) -> None:
    stack = start_stack(tmp_path / "data")
    children = stack.children()
    try:
        assert len(children) == 4
        with load(stack.api) as statuses:
            assert wait(lambda: len(statuses) >= 50, 60), "the stack took no load"
            stack.process.send_signal(signal.SIGKILL)
            stack.process.wait(timeout=10)

            assert gone_within(children, 10) == []
    finally:
        _kill_everything(stack, children)


def test_sigterm_under_load_stops_every_process_with_status_0(tmp_path: Path) -> None:
    stack = start_stack(tmp_path / "data")
    children = stack.children()
    try:
        with load(stack.api) as statuses:
            assert wait(lambda: len(statuses) >= 50, 60), "the stack took no load"
            stack.process.send_signal(signal.SIGTERM)

            assert stack.process.wait(timeout=30) == 0
            assert gone_within(children, 5) == []
    finally:
        _kill_everything(stack, children)
