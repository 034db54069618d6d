"""kind: value: a variable the notebook defines, compared with the reference value."""

from __future__ import annotations

import numpy as np

from grader.checks.base import CheckContext, CheckResult, Drawn
from grader.checks.compare import compare
from grader.checks.feedback import case_feedback
from grader.inputs import Case
from grader.probes.wire import Answer
from grader.rubric.models import ValueCheck
from grader.sandbox.base import ProbeCell


def draw(check: ValueCheck, rng: np.random.Generator, ctx: CheckContext) -> Drawn:
    reference = ctx.resolve(check.reference)
    expected = reference() if callable(reference) else reference
    return Drawn(cases=[Case(args=(), visible=check.visibility == "visible")], expected=[expected])


def probe(check: ValueCheck, drawn: Drawn, ctx: CheckContext) -> ProbeCell:
    return ProbeCell(f"__grader__.probe_value(globals(), {ctx.token!r}, {ctx.key!r}, "
                     f"{check.name!r}, {ctx.limits.probe_timeout_s}, "
                     f"{ctx.limits.probe_output_bytes})")


def evaluate(check: ValueCheck, drawn: Drawn, answers: list[Answer],
             ctx: CheckContext) -> CheckResult:
    custom = None if check.compare in ("exact", "allclose") else ctx.resolve(check.compare)
    verdict = compare(drawn.expected[0], answers[0], mode=check.compare, rtol=check.rtol,
                      atol=check.atol, custom=custom)
    result = case_feedback(check.name, drawn.cases, answers, [verdict], ctx)
    if not verdict.ok and answers[0].ok:
        result.feedback = [f"`{check.name}`: {verdict.reason}"]
    return result
