"""What the follow-up of an unhappy survey answer has done so far: each step happens once per survey."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class FollowUpState:
    task_id: str | None = None            # the HubSpot task created for the survey
    alerted_at: datetime | None = None    # when the merchant's alert email went out


class FollowUpLog(Protocol):
    def state(self, program_id: str, member_id: str, survey_id: str) -> FollowUpState: ...

    def task_created(self, program_id: str, member_id: str, survey_id: str, task_id: str, at: datetime) -> None: ...

    def alert_sent(self, program_id: str, member_id: str, survey_id: str, at: datetime) -> None: ...

    def finished(self, program_id: str, member_id: str, survey_id: str) -> None:
        """The follow-up is done (or has nothing to do): its due item leaves the Due index."""
        ...
