"""kind: runs: the cells tagged `tag` executed without error."""

from __future__ import annotations

import numpy as np

from grader.checks.base import CheckContext, CheckResult, Drawn
from grader.probes.wire import Answer
from grader.rubric.models import RunsCheck


def draw(check: RunsCheck, rng: np.random.Generator, ctx: CheckContext) -> Drawn:
    return Drawn()


def probe(check: RunsCheck, drawn: Drawn, ctx: CheckContext) -> None:
    return None


def evaluate(check: RunsCheck, drawn: Drawn, answers: list[Answer],
             ctx: CheckContext) -> CheckResult:
    assert ctx.execution is not None
    cells = ctx.execution.executed.cells
    tagged = [r for r in ctx.execution.cells
              if check.tag in cells[r.index].get("metadata", {}).get("tags", [])]
    if not tagged:
        return CheckResult(0.0, [f"no cell is tagged `{check.tag}`"], 0, 0)
    failed = [r for r in tagged if r.outcome not in ("ok", "skipped")]
    lines = [f"cell {r.index + 1}: {r.outcome}" + (f" ({r.error_name}: {r.error_value})"
                                                    if r.error_name else "")
             for r in failed]
    passed = len(tagged) - len(failed)
    if not failed:
        lines = [f"all {len(tagged)} cells tagged `{check.tag}` ran"]
    return CheckResult(passed / len(tagged), lines, passed, len(tagged))
