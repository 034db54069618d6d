"""kind: manual: graded by a person; pending until then."""

from __future__ import annotations

import numpy as np

from grader.checks.base import CheckContext, CheckResult, Drawn
from grader.probes.wire import Answer
from grader.rubric.models import ManualCheck


def draw(check: ManualCheck, rng: np.random.Generator, ctx: CheckContext) -> Drawn:
    return Drawn()


def probe(check: ManualCheck, drawn: Drawn, ctx: CheckContext) -> None:
    return None


def evaluate(check: ManualCheck, drawn: Drawn, answers: list[Answer],
             ctx: CheckContext) -> CheckResult:
    return CheckResult(0.0, ["graded by hand; pending"], pending_manual=True)
