"""Child processes of the local stack: each in its own process group, watched, and stopped without leftovers.

Each child also asks the kernel to kill it when the stack's process dies (Linux `prctl(PR_SET_PDEATHSIG)`), so
nothing outlives a `kill -9` of `make run`: the children hold the ports, and orphans blocked the next start.
"""
from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from infra.local.settings import REPO_ROOT

log = logging.getLogger("infra.local.run")
STOP_GRACE_SECONDS = 10.0
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn` for Popen: the child gets SIGKILL when the process that started it dies (Linux only).

    Runs in the child between fork and exec: it only calls prctl and getppid (the stack starts its children from
    its main thread, with no other threads running). A parent that died before prctl leaves a ppid of another
    process: the child then exits at once instead of running as an orphan.
    """
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def arm() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:
            os._exit(1)

    return arm


class ChildDied(Exception):
    """A process of the stack exited while it should be running."""


class Interrupted(Exception):
    """SIGINT or SIGTERM arrived while the stack was starting."""


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]


class Children:
    def __init__(self, env: Mapping[str, str], stop: threading.Event) -> None:
        self.env = dict(env)
        self.stop = stop
        self.started: list[Child] = []
        self._stopping = False

    def spawn(self, name: str, command: list[str], cwd: Path = REPO_ROOT) -> Child:
        """Start a child in a new session (own process group), so a terminal's Ctrl-C reaches only us."""
        process = subprocess.Popen(command, cwd=cwd, env=self.env, start_new_session=True, stdin=subprocess.DEVNULL,
                                   preexec_fn=die_with_parent())
        child = Child(name, process)
        self.started.append(child)
        log.info("started %s (pid %d)", name, process.pid)
        return child

    def pids(self) -> dict[str, int]:
        return {c.name: c.process.pid for c in self.started}

    def check(self) -> None:
        if self.stop.is_set() and not self._stopping:
            raise Interrupted()
        for child in self.started:
            code = child.process.poll()
            if code is not None:
                raise ChildDied(f"{child.name} (pid {child.process.pid}) exited unexpectedly with status {code}")

    def stop_all(self) -> None:
        """SIGTERM to every group (newest first), wait up to STOP_GRACE_SECONDS in all, then SIGKILL."""
        self._stopping = True
        for child in reversed(self.started):
            _signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in reversed(self.started):
            try:
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop within %.0f s: killing it", child.name, STOP_GRACE_SECONDS)
                _signal_group(child, signal.SIGKILL)
                child.process.wait()
        self.started.clear()


def _signal_group(child: Child, sig: signal.Signals) -> None:
    if child.process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.process.pid, sig)


def wait_until(what: str, ready: Callable[[], bool], children: Children, timeout: float = 90.0) -> None:
    """Poll `ready` while every child is alive; fail on a dead child, a stop request or the timeout."""
    deadline = time.monotonic() + timeout
    while not ready():
        children.check()
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} was not ready within {timeout:.0f} s")
        time.sleep(0.1)


def healthy(port: int) -> bool:
    try:
        with _DIRECT.open(f"http://127.0.0.1:{port}/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False
