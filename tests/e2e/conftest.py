"""The `stack` fixture: one real local stack per test module (tests/e2e/harness.py)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.harness import Stack, start_stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("stack") / "data")
    yield running
    running.stop()
    print(running.log.read_text(errors="replace")[-6000:])  # shown when a test failed
