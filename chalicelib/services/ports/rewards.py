"""The program's reward catalogue."""
from __future__ import annotations

from datetime import datetime
from typing import Protocol

from chalicelib.domain.audit import AuditRecord
from chalicelib.domain.rewards import Reward


class RewardCatalog(Protocol):
    def add(self, program_id: str, reward: Reward, audit: AuditRecord) -> None: ...

    def list(self, program_id: str) -> list[Reward]: ...

    def retire(self, program_id: str, reward_id: str, at: datetime, audit: AuditRecord) -> bool:
        """Stop offering it, with its audit record; False when it was not active."""
        ...
