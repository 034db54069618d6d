"""kind: function: call the student's function on hidden cases, compare with the reference."""

from __future__ import annotations

import copy
import inspect
import json
import sys

import numpy as np

from grader.checks.base import CheckContext, CheckResult, Drawn
from grader.checks.compare import compare
from grader.checks.feedback import case_feedback
from grader.probes.kernel import encode
from grader.probes.wire import Answer
from grader.rubric.models import FunctionCheck
from grader.sandbox.base import ProbeCell


def draw(check: FunctionCheck, rng: np.random.Generator, ctx: CheckContext) -> Drawn:
    cases = list(ctx.resolve(check.inputs)(rng))
    reference = ctx.resolve(check.reference)
    if check.harness and check.expected_from == "harness":
        harness = ctx.resolve(check.harness)
        expected = [harness(reference, *copy.deepcopy(c.args), **copy.deepcopy(c.kwargs))
                    for c in cases]
    else:
        expected = [reference(*copy.deepcopy(c.args), **copy.deepcopy(c.kwargs)) for c in cases]
    return Drawn(cases=cases, expected=expected)


def probe(check: FunctionCheck, drawn: Drawn, ctx: CheckContext) -> ProbeCell:
    harness = harness_source(ctx.resolve(check.harness)) if check.harness else None
    return calls_cell(check.name, drawn, ctx, harness=harness)


def harness_source(function) -> tuple[str, str]:
    """The whole module that defines `function` (it must import only numpy/torch), and its name."""
    module = sys.modules[function.__module__]
    return inspect.getsource(module), function.__name__


def calls_cell(name: str, drawn: Drawn, ctx: CheckContext, *,
               harness: tuple[str, str] | None = None) -> ProbeCell:
    cases = json.dumps([{"args": encode(list(c.args)), "kwargs": encode(c.kwargs)}
                        for c in drawn.cases])
    source = (f"__grader__.probe_calls(globals(), {ctx.token!r}, {ctx.key!r}, {name!r}, "
              f"{cases!r}, {ctx.limits.probe_timeout_s}, {ctx.limits.probe_output_bytes}"
              + (f", harness={list(harness)!r})" if harness else ")"))
    return ProbeCell(source, calls=len(drawn.cases))


def evaluate(check: FunctionCheck, drawn: Drawn, answers: list[Answer],
             ctx: CheckContext) -> CheckResult:
    custom = None if check.compare in ("exact", "allclose") else ctx.resolve(check.compare)
    verdicts = [compare(expected, answer, mode=check.compare, rtol=check.rtol, atol=check.atol,
                        custom=custom)
                for expected, answer in zip(drawn.expected, answers, strict=True)]
    result = case_feedback(check.name, drawn.cases, answers, verdicts, ctx,
                           all_hidden=check.visibility == "hidden")
    if check.credit == "all_or_nothing" and result.passed < result.total:
        result.fraction = 0.0
    return result
