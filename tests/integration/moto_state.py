"""moto's data as the local bootstrap leaves it, made once per test process and copied afresh for each test.

The bootstrap (every resource of infra/template.yaml, then the program's seed) costs ~80 moto calls and a dozen
boto3 clients: most of a small integration test's time. What it leaves is plain Python objects in moto's backends, so
a deep copy of them is the same state; each test gets its own copy, so nothing one test writes reaches another.
`tests/integration/test_moto_state.py` holds a restored copy to what a fresh bootstrap makes.
"""
from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from moto.core.base_backend import BackendDict
from moto.ssm.models import ParameterDict

State = list[tuple[BackendDict, dict[str, Any]]]


def snapshot() -> State:
    """A copy of every moto backend in use (call it inside the mock, after the bootstrap)."""
    backends = list(BackendDict._instances)
    return list(zip(backends, _deep_copy([dict(b) for b in backends]), strict=True))


def restore(state: State) -> None:
    """Put a fresh copy of `state` in moto's backends (call it inside a freshly started, empty mock)."""
    for backend, accounts in zip([b for b, _ in state], _deep_copy([a for _, a in state]), strict=True):
        dict.update(backend, accounts)
        if backend not in BackendDict._instances:
            BackendDict._instances.append(backend)


def _fresh(make: Callable[[], Any]) -> Callable[[Any, dict[int, Any]], Any]:
    return lambda _, memo: make()


def _parameter_dict(found: ParameterDict, memo: dict[int, Any]) -> ParameterDict:
    """SSM's parameters: a defaultdict whose constructor takes (account, region), which deepcopy does not pass."""
    made = ParameterDict(found.account_id, found.region_name)
    memo[id(found)] = made
    made.__dict__.update(copy.deepcopy(found.__dict__, memo))
    for name, versions in found.items():
        made[name] = copy.deepcopy(versions, memo)
    return made


# Locks (each SQS queue holds a condition) are made anew, not copied.
_COPIERS = {type(threading.Lock()): _fresh(threading.Lock), type(threading.RLock()): _fresh(threading.RLock),
            threading.Condition: _fresh(threading.Condition), ParameterDict: _parameter_dict}


def _deep_copy(value: Any) -> Any:
    with _copiers():
        return copy.deepcopy(value)


@contextmanager
def _copiers() -> Iterator[None]:
    dispatch = copy._deepcopy_dispatch  # type: ignore[attr-defined]
    dispatch.update(_COPIERS)
    try:
        yield
    finally:
        for kind in _COPIERS:
            dispatch.pop(kind, None)
