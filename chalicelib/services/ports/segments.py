"""The program's merchant-defined segments (domain/segment_rules.py)."""
from __future__ import annotations

from typing import Protocol

from chalicelib.domain.audit import AuditRecord
from chalicelib.domain.segment_rules import SegmentDefinition


class SegmentStore(Protocol):
    def add(self, program_id: str, definition: SegmentDefinition, audit: AuditRecord) -> None:
        """Store the definition with its audit record; Conflict (`segment_exists`) when its name is taken."""
        ...

    def list(self, program_id: str) -> list[SegmentDefinition]:
        """Every definition of the program, by name."""
        ...
