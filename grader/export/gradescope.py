"""GradeReport → Gradescope's autograder `results.json`.

Gradescope grades hand-marked questions in its own interface, so only automatic questions
become `tests`; the top-level `score` is their total, and `output` says what is left to a person.
"""

from __future__ import annotations

from typing import Any

from grader.scoring import GradeReport


def to_results_json(report: GradeReport) -> dict[str, Any]:
    tests = []
    for question in report.questions:
        if question.status == "pending-manual":
            continue
        tests.append({
            "name": f"{question.id}: {question.title}",
            "number": question.id,
            "score": question.score,
            "max_score": question.max_score,
            "status": "passed" if question.score >= question.max_score else "failed",
            "output": "\n".join(question.feedback),
            "visibility": question.visibility,
        })
    lines = [f"Automatic score: {sum(t['score'] for t in tests):g} / "
             f"{report.auto_max_score:g}."]
    if report.pending_manual_points:
        lines.append(f"{report.pending_manual_points:g} more points are graded by hand.")
    lines += [f"Problem: {issue.message}" for issue in report.issues]
    lines += [f"Warning: {warning}" for warning in report.sandbox.warnings]
    return {
        "score": round(sum(t["score"] for t in tests), 4),
        "execution_time": max(1, round(report.duration_s)),
        "output": "\n".join(lines),
        "output_format": "text",
        "tests": tests,
    }
