"""The clock services read time from: the machine's in production, a fixed one in tests."""
from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...
