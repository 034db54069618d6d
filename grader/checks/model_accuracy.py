"""kind: model_accuracy: the grader measures accuracy itself; labels never enter the sandbox.

The student's predict function gets hidden inputs in batches and returns one class per input;
accuracy is computed here and mapped to credit: full at `threshold.full`, none below
`threshold.zero`, linear between. A number the notebook printed is never trusted.
"""

from __future__ import annotations

import numpy as np

from grader.checks.base import CheckContext, CheckResult, Drawn
from grader.checks.compare import explain_failed_answer
from grader.checks.feedback import why_absent
from grader.checks.function import calls_cell
from grader.datasets import DatasetError
from grader.inputs import Case
from grader.probes.wire import Answer
from grader.rubric.models import ModelAccuracyCheck
from grader.sandbox.base import ProbeCell


def draw(check: ModelAccuracyCheck, rng: np.random.Generator, ctx: CheckContext) -> Drawn:
    try:
        inputs, labels = ctx.resolve(check.dataset)(rng, ctx.hidden)
    except DatasetError as exc:  # a deployment problem: this check cannot run, the rest can
        return Drawn(extra={"unavailable": str(exc)})
    if not isinstance(inputs, list):  # texts stay a list of str; arrays are sliced as arrays
        inputs = np.asarray(inputs)
    labels = np.asarray(labels)
    step = check.batch_size
    cases = [Case(args=(inputs[i:i + step],)) for i in range(0, len(inputs), step)]
    return Drawn(cases=cases, expected=[labels[i:i + step] for i in range(0, len(labels), step)])


def probe(check: ModelAccuracyCheck, drawn: Drawn, ctx: CheckContext) -> ProbeCell | None:
    if "unavailable" in drawn.extra:
        return None
    return calls_cell(check.name, drawn, ctx)


def evaluate(check: ModelAccuracyCheck, drawn: Drawn, answers: list[Answer],
             ctx: CheckContext) -> CheckResult:
    if "unavailable" in drawn.extra:
        return CheckResult(0.0, [f"`{check.name}` could not be checked: the grader's held-out "
                                 f"data is not available ({drawn.extra['unavailable']})"], 0, 1,
                           errored=True)
    n = sum(len(labels) for labels in drawn.expected)
    correct = 0
    for labels, answer in zip(drawn.expected, answers, strict=True):
        if not answer.ok:
            reason = (why_absent(ctx) if answer.status == "absent"
                      else explain_failed_answer(answer, check.name))
            return CheckResult(0.0, [f"`{check.name}` on {len(labels)} hidden inputs: {reason}"],
                               0, 1, errored=answer.status == "absent")
        if answer.value is None:
            return CheckResult(0.0, [f"`{check.name}` returned None: is it implemented?"], 0, 1)
        predictions, problem = _as_labels(check, answer.value, len(labels))
        if problem:
            return CheckResult(0.0, [f"`{check.name}` on {len(labels)} hidden inputs: {problem}"],
                               0, 1)
        correct += int((predictions == labels).sum())
    accuracy = correct / n
    ctx.measured[ctx.question_id] = (accuracy, n)
    low, high = check.threshold.zero, check.threshold.full
    if accuracy >= high:
        fraction = 1.0
    elif accuracy < low or high == low:
        fraction = 0.0
    else:
        fraction = (accuracy - low) / (high - low)
    line = (f"measured accuracy {accuracy:.3f} on {n} hidden inputs (full credit at "
            f"{high:.2f}, none below {low:.2f})")
    result = CheckResult(fraction, [line], int(fraction == 1.0), 1)
    drawn.extra["accuracy"] = accuracy
    return result


def _as_labels(check: ModelAccuracyCheck, value: object, n: int) -> tuple[np.ndarray, str]:
    """The answer as integer labels, or why it cannot be read as such."""
    if check.classes is not None:
        names = list(value) if isinstance(value, (list, np.ndarray)) else None
        if names is None or len(names) != n:
            return np.empty(0), f"must return a list of {n} class names"
        unknown = sorted({str(v) for v in names if v not in check.classes})
        if unknown:
            return np.empty(0), (f"returned {', '.join(map(repr, unknown[:3]))}; the classes "
                                 f"are {', '.join(map(repr, check.classes))}")
        return np.array([check.classes.index(v) for v in names]), ""
    try:
        values = np.asarray(value, dtype=float) if not isinstance(value, dict) else None
    except (TypeError, ValueError):
        values = None
    if values is None or values.shape != (n,):
        shape = getattr(values, "shape", None)
        kind = "probabilities" if check.output == "probability" else "integer class labels"
        return np.empty(0), f"must return {n} {kind}; got shape {shape}"
    if check.output == "probability":
        if not np.all((values >= 0) & (values <= 1)):
            return np.empty(0), "must return probabilities between 0 and 1"
        return (values > 0.5).astype(int), ""
    if not np.all(values == np.round(values)):
        return np.empty(0), f"must return {n} integer class labels, not fractions"
    return values.astype(int), ""
