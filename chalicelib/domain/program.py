"""A program's rules: how points are earned and held, what a clawback may do, the signup bonus."""
from __future__ import annotations

from dataclasses import dataclass, field

from chalicelib.domain.accounting import Policy
from chalicelib.domain.rules import DEFAULT_RULE, EarningRule


@dataclass(frozen=True)
class ProgramRules:
    earning: EarningRule = DEFAULT_RULE
    policy: Policy = field(default_factory=Policy)
    signup_bonus: int = 100


DEFAULT_RULES = ProgramRules()
