"""kind: scaling: an O(T) claim, checked at a size where a T×T matrix cannot fit in memory.

The inputs are drawn inside the kernel from a seed (they are too large to ship); the grader
draws the same arrays, runs the O(T) reference, and compares selected rows of the output.
"""

from __future__ import annotations

import json

import numpy as np

from grader.checks.base import CheckContext, CheckResult, Drawn
from grader.checks.compare import compare_values, explain_failed_answer
from grader.checks.feedback import why_absent
from grader.inputs import Case, ScalingCase
from grader.probes.wire import Answer
from grader.rubric.models import ScalingCheck
from grader.sandbox.base import ProbeCell


def draw(check: ScalingCheck, rng: np.random.Generator, ctx: CheckContext) -> Drawn:
    case: ScalingCase = ctx.resolve(check.inputs)(rng, ctx.limits.memory_bytes)
    full = np.asarray(ctx.resolve(check.reference)(*case.arrays()))
    return Drawn(cases=[Case(args=())], expected=[full[case.rows]],
                 extra={"case": case, "shape": list(full.shape)})


def probe(check: ScalingCheck, drawn: Drawn, ctx: CheckContext) -> ProbeCell:
    case: ScalingCase = drawn.extra["case"]
    spec = json.dumps({"seed": case.seed, "shapes": [list(s) for s in case.shapes.values()],
                       "rows": case.rows, "low": case.low, "high": case.high})
    return ProbeCell(f"__grader__.probe_scaling(globals(), {ctx.token!r}, {ctx.key!r}, "
                     f"{check.name!r}, {spec!r}, {ctx.limits.probe_timeout_s}, "
                     f"{ctx.limits.probe_output_bytes})")


def evaluate(check: ScalingCheck, drawn: Drawn, answers: list[Answer],
             ctx: CheckContext) -> CheckResult:
    case: ScalingCase = drawn.extra["case"]
    size = ", ".join(f"{k}: {'×'.join(map(str, s))}" for k, s in case.shapes.items())
    answer = answers[0]
    if not answer.ok:
        reason = (why_absent(ctx) if answer.status == "absent"
                  else explain_failed_answer(answer, check.name))
        return CheckResult(0.0, [f"`{check.name}` at large size ({size}): {reason}"], 0, 1)
    value = answer.value if isinstance(answer.value, dict) else {}
    if value.get("shape") != drawn.extra["shape"]:
        return CheckResult(0.0, [f"`{check.name}` at large size: expected output shape "
                                 f"{tuple(drawn.extra['shape'])}, got {value.get('shape')}"], 0, 1)
    verdict = compare_values(drawn.expected[0], value.get("rows"), exact=False, rtol=check.rtol,
                             atol=check.atol)
    if not verdict.ok:
        return CheckResult(0.0, [f"`{check.name}` at large size ({size}): {verdict.reason}"], 0, 1)
    return CheckResult(1.0, [f"`{check.name}` ran at large size ({size}) within the limits"], 1, 1)
