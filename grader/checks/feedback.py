"""Turn per-case verdicts into a score fraction and feedback lines.

Visible cases show the call, what was expected and what came back. Hidden cases show counts
and the kind of failure only: never their inputs.
"""

from __future__ import annotations

from collections import Counter

from grader.checks.base import CheckContext, CheckResult
from grader.checks.compare import Verdict, explain_failed_answer
from grader.inputs import Case
from grader.probes.wire import Answer

MAX_SHOWN = 3


def case_feedback(name: str, cases: list[Case], answers: list[Answer], verdicts: list[Verdict],
                  ctx: CheckContext, *, all_hidden: bool = False) -> CheckResult:
    total = len(verdicts)
    passed = sum(v.ok for v in verdicts)
    lines: list[str] = []
    if answers and all(a.status == "missing" for a in answers):
        return CheckResult(0.0, [f"`{name}` is not defined in the notebook"], 0, total)
    if answers and all(a.status == "absent" for a in answers):
        reason = why_absent(ctx)
        return CheckResult(0.0, [f"`{name}` could not be checked: {reason}"], 0, total,
                           errored=True)
    if answers and all(a.ok and a.value is None for a in answers):
        return CheckResult(0.0, [f"`{name}` returned None for every case: is it implemented?"],
                           0, total)
    hidden_failures: Counter[str] = Counter()
    for case, answer, verdict in zip(cases, answers, verdicts, strict=True):
        if verdict.ok:
            continue
        reason = (verdict.reason if answer.ok
                  else explain_failed_answer(answer, name, why_absent(ctx)))
        if case.visible and not all_hidden:
            if len(lines) < MAX_SHOWN:
                lines.append(f"{case.call_text(name)}: {reason}")
        else:
            hidden_failures[_failure_kind(answer)] += 1
    hidden_total = sum(1 for c in cases if not c.visible or all_hidden)
    if hidden_total and passed < total:
        hidden_passed = hidden_total - sum(hidden_failures.values())
        summary = f"`{name}`: hidden cases: {hidden_passed} of {hidden_total} passed"
        if hidden_failures:
            summary += " (" + ", ".join(f"{n} {kind}" for kind, n in hidden_failures.items()) + ")"
        lines.append(summary)
    if passed == total:
        lines.insert(0, f"`{name}`: all {total} cases passed")
    return CheckResult(passed / total if total else 0.0, lines, passed, total)


def _failure_kind(answer: Answer) -> str:
    if answer.ok:
        return "wrong"
    if answer.status == "error":
        return f"raised {answer.error}"
    return {"timeout": "timed out", "absent": "not run"}.get(answer.status, answer.status)


def why_absent(ctx: CheckContext) -> str:
    record = ctx.probe_record
    if record is None:
        return "the check did not run"
    if record.note:
        return record.note
    if record.outcome == "timeout":
        return "the check ran over its time limit"
    if record.outcome == "error":
        return f"the check itself failed ({record.error_name}: {record.error_value})"
    return f"the check cell ended as {record.outcome}"
