"""kind: reported_accuracy: the notebook's own table of accuracies against the grader's measure.

The table (`{config: accuracy}`, accuracies as fractions) is read as plain data; its best entry
must lie within `tolerance` (plus two standard errors of the grader's measurement, which uses a
sample of the hidden test set) of the accuracy the grader measured for the question named by
`against`. A table that overstates what the submitted model does loses these points.
"""

from __future__ import annotations

import math

import numpy as np

from grader.checks.base import CheckContext, CheckResult, Drawn
from grader.checks.compare import explain_failed_answer
from grader.checks.feedback import why_absent
from grader.checks.value import probe as value_probe
from grader.inputs import Case
from grader.probes.wire import Answer
from grader.rubric.models import ReportedAccuracyCheck
from grader.sandbox.base import ProbeCell


def draw(check: ReportedAccuracyCheck, rng: np.random.Generator, ctx: CheckContext) -> Drawn:
    return Drawn(cases=[Case(args=())])


def probe(check: ReportedAccuracyCheck, drawn: Drawn, ctx: CheckContext) -> ProbeCell:
    return value_probe(check, drawn, ctx)


def best_reported(value: object) -> tuple[float | None, str]:
    if not isinstance(value, dict) or not value:
        return None, "must be a non-empty dict {(depth, heads): test accuracy}"
    numbers = []
    for key, accuracy in value.items():
        if isinstance(accuracy, bool) or not isinstance(accuracy, (int, float)):
            return None, f"the entry for {key!r} is not a number"
        if not 0 <= accuracy <= 1:
            return None, (f"the entry for {key!r} is {accuracy:g}; write accuracies as "
                          "fractions between 0 and 1")
        numbers.append(float(accuracy))
    return max(numbers), ""


def evaluate(check: ReportedAccuracyCheck, drawn: Drawn, answers: list[Answer],
             ctx: CheckContext) -> CheckResult:
    answer = answers[0]
    if not answer.ok:
        reason = (why_absent(ctx) if answer.status == "absent"
                  else explain_failed_answer(answer, check.name))
        return CheckResult(0.0, [f"`{check.name}`: {reason}"], 0, 1)
    reported, problem = best_reported(answer.value)
    if reported is None:
        return CheckResult(0.0, [f"`{check.name}` {problem}"], 0, 1)
    if check.against not in ctx.measured:
        return CheckResult(0.0, [f"`{check.name}` reports {reported:.3f}, but the grader could "
                                 f"not measure the model (question {check.against})"], 0, 1)
    measured, n = ctx.measured[check.against]
    allowed = check.tolerance + 2 * math.sqrt(max(measured * (1 - measured), 1e-4) / n)
    line = (f"`{check.name}`: best reported {reported:.3f}, measured {measured:.3f} on {n} "
            f"hidden test images")
    if abs(reported - measured) <= allowed:
        return CheckResult(1.0, [line + " — they agree"], 1, 1)
    verb = "overstates" if reported > measured else "understates"
    return CheckResult(0.0, [line + f" — the table {verb} the submitted model's accuracy by "
                                    f"{abs(reported - measured) * 100:.1f} points (allowed "
                                    f"{allowed * 100:.1f})"], 0, 1)
