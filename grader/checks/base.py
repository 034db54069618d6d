"""What every check kind provides, and what it returns.

A check kind is a module under `checks/` named after its YAML `kind`, exposing three functions:
- `draw(check, rng, ctx) -> Drawn`: hidden inputs (and the expected answers, computed here by
  the reference, in the grader's process);
- `probe(check, drawn, ctx) -> str | None`: the source of the probe cell, or None if the check
  needs no probe (e.g. `runs`, `manual`);
- `evaluate(check, drawn, answers, ctx) -> CheckResult`: compare outside the sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grader.datasets import HiddenData
from grader.inputs import Case
from grader.rubric.loader import LoadedRubric
from grader.rubric.models import Limits
from grader.sandbox.base import CellRecord, ExecutionResult


@dataclass
class Drawn:
    """Inputs for one check; `expected` never enters the sandbox."""

    cases: list[Case] = field(default_factory=list)
    expected: list[Any] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n_answers(self) -> int:
        return max(1, len(self.cases))


@dataclass
class CheckContext:
    loaded: LoadedRubric
    key: str          # unique per check in the rubric: "<question id>#<index>"
    token: str        # per-run random token the probe records must carry
    limits: Limits
    execution: ExecutionResult | None = None
    probe_record: CellRecord | None = None  # how the check's probe cell ended
    hidden: HiddenData = field(default_factory=HiddenData)
    # shared by every check of one grading: question id -> (accuracy, n) measured by the grader
    measured: dict[str, tuple[float, int]] = field(default_factory=dict)

    @property
    def question_id(self) -> str:
        return self.key.rpartition("#")[0]

    def resolve(self, ref: str) -> Any:
        return self.loaded.resolve(ref)


@dataclass
class CheckResult:
    fraction: float                     # of the check's share of points, 0..1
    feedback: list[str] = field(default_factory=list)
    passed: int = 0
    total: int = 0
    pending_manual: bool = False
    errored: bool = False               # no answer could be obtained at all
