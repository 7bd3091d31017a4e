"""The packaged template, built once per test process for the tests that only read it (tests/infra/packaging.py)."""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from tests.infra.packaging import package_copy


@pytest.fixture(scope="session")
def packaged_once(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """`chalice package` of a copy of the project as `make package` leaves it: (dist/sam.yaml, its template)."""
    return package_copy(tmp_path_factory.mktemp("packaged"))


@pytest.fixture
def packaged(packaged_once: tuple[Path, dict[str, Any]]) -> tuple[Path, dict[str, Any]]:
    """The shared build, with a template of the test's own: nothing a test changes in it reaches another test."""
    path, template = packaged_once
    return path, copy.deepcopy(template)
