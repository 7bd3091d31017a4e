"""Caches that forget: a bounded set of keys, and what was last read for a key, each for `max_age` seconds."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class ExpiringSet:
    """Remembers keys (e.g. names that are not there) without growing: memory is bounded whatever callers send.

    Ages come from a monotonic clock (cache ages, not business time); `max_age <= 0` remembers nothing.
    """

    def __init__(self, size: int, max_age: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.size = size
        self.max_age = max_age
        self.clock = clock
        self._added: OrderedDict[Hashable, float] = OrderedDict()
        self._lock = threading.Lock()     # `chalice local` serves requests on threads

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            added = self._added.get(key)
            if added is None:
                return False
            if self.clock() - added >= self.max_age:
                del self._added[key]
                return False
            self._added.move_to_end(key)
            return True

    def __len__(self) -> int:
        return len(self._added)

    def add(self, key: Hashable) -> None:
        if self.max_age <= 0 or self.size <= 0:
            return
        with self._lock:
            self._added[key] = self.clock()
            self._added.move_to_end(key)
            while len(self._added) > self.size:
                self._added.popitem(last=False)


class Recent(Generic[V]):
    """What was read for a key within the last `max_age` seconds (a monotonic clock: cache ages, not business time);
    older, or forgotten after a write, it is read again. `max_age <= 0` keeps nothing."""

    def __init__(self, max_age: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_age = max_age
        self.clock = clock
        self._read: dict[Hashable, tuple[float, V]] = {}

    def get(self, key: Hashable, read: Callable[[], V]) -> V:
        kept = self._read.get(key)
        if kept is not None and self.clock() - kept[0] < self.max_age:
            return kept[1]
        value = read()
        self._read[key] = (self.clock(), value)
        return value

    def forget(self, key: Hashable) -> None:
        self._read.pop(key, None)
