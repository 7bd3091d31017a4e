"""No child of the local stack outlives the stack's own process, even when that process is killed with SIGKILL."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from infra.local.settings import REPO_ROOT
from tests.e2e.harness import process_table

pytestmark = [pytest.mark.local_stack, pytest.mark.timeout(60),
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")]

# A stand-in for `python -m infra.local.run`: starts two children the way the stack does, prints their pids, waits.
PARENT = """
import sys, threading, time
from infra.local.processes import Children
children = Children({"PATH": "/usr/bin:/bin"}, threading.Event())
pids = [children.spawn(name, [sys.executable, "-c", "import time; time.sleep(300)"]).process.pid
        for name in ("first", "second")]
print(*pids, flush=True)
time.sleep(300)
"""


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its new parent to reap it is dead)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def group_alive(pgid: int) -> list[int]:
    """Running processes of the process group."""
    return [pid for pid, state, _, group in process_table() if group == pgid and state not in ("Z", "X")]


def gone_within(pids: list[int], seconds: float) -> list[int]:
    """The pids whose process group still runs after `seconds` (checked every 0.1 s)."""
    deadline = time.monotonic() + seconds
    while (left := [p for p in pids if group_alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def test_children_die_when_the_stack_process_is_killed_with_sigkill() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    children: list[int] = []
    try:
        assert parent.stdout is not None
        children = [int(p) for p in parent.stdout.readline().split()]
        assert len(children) == 2
        assert all(alive(p) for p in children)

        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)

        assert gone_within(children, 5) == []
    finally:
        for pid in children:
            if group_alive(pid):
                os.killpg(pid, signal.SIGKILL)
        if parent.poll() is None:
            parent.kill()
