"""Check results → points, and the GradeReport a student and an instructor read."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from grader.checks.base import CheckResult
from grader.rubric.models import Limits, Question, Visibility
from grader.sandbox.base import TOTAL_TIME_UP, CellOutcome, CellRecord, ExecutionResult

QuestionStatus = Literal["passed", "partial", "failed", "error", "pending-manual"]
IssueKind = Literal["cell_error", "cell_timeout", "output_limit", "memory_limit", "kernel_died",
                    "total_timeout", "process_limit"]


class QuestionResult(BaseModel):
    id: str
    title: str
    score: float
    max_score: float
    status: QuestionStatus
    feedback: list[str] = Field(default_factory=list)
    visibility: Visibility = "visible"
    time_s: float = 0.0


class ExecutionIssue(BaseModel):
    kind: IssueKind
    cell: int | None = Field(None, description="1-based position in the notebook")
    message: str


class SandboxReport(BaseModel):
    backend: str
    limits_enforced_by: str
    warnings: list[str] = Field(default_factory=list)
    memory_peak_bytes: int | None = None
    gpu: int | None = Field(None, description="the GPU the kernel ran with (/dev/nvidiaN)")
    pooled: bool = Field(False, description="a warm kernel from the pool, started before the "
                                            "submission arrived (and used for it alone)")
    cpu_s: float | None = Field(None, description="CPU seconds used inside the sandbox (the "
                                                  "kernel's start, the cells, the checks); "
                                                  "none without cgroups")


class GradeReport(BaseModel):
    assignment: str
    rubric_version: str
    seed: int
    status: Literal["ok", "error"] = Field(
        description="error: the notebook raised, hit a limit or killed its kernel (see issues)")
    score: float
    max_score: float
    auto_max_score: float
    pending_manual_points: float
    questions: list[QuestionResult]
    issues: list[ExecutionIssue] = Field(default_factory=list)
    sandbox: SandboxReport
    duration_s: float
    graded_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


def score_question(question: Question, results: list[CheckResult], time_s: float) -> QuestionResult:
    weights = [check.weight for check in question.checks]
    fraction = sum(w * r.fraction for w, r in zip(weights, results, strict=True)) / sum(weights)
    score = round(question.points * fraction, 4)
    feedback = [line for r in results for line in r.feedback]
    if question.is_manual:
        status: QuestionStatus = "pending-manual"
    elif any(r.errored for r in results):
        status = "error"
    elif score >= question.points:
        status = "passed"
    elif score <= 0:
        status = "failed"
    else:
        status = "partial"
    return QuestionResult(id=question.id, title=question.title, score=score,
                          max_score=question.points, status=status, feedback=feedback,
                          visibility=question.visibility, time_s=round(time_s, 3))


def execution_issues(result: ExecutionResult, limits: Limits) -> list[ExecutionIssue]:
    issues = [issue for record in result.cells if (issue := _cell_issue(record, limits))]
    out_of_time = next((r for r in [*result.cells, *result.probes]
                        if r.note == TOTAL_TIME_UP), None)
    if out_of_time is not None:
        in_cells = out_of_time.index < len(result.cells)
        where = (f"it was stopped in cell {out_of_time.index + 1}" if in_cells
                 else "it was stopped while your functions were being checked")
        issues.append(ExecutionIssue(
            kind="total_timeout", cell=out_of_time.index + 1 if in_cells else None,
            message=f"The notebook ran longer than its {limits.total_timeout_s:g} s limit in "
                    f"total: {where}, and nothing after that ran."))
    for record in result.probes:
        if record.outcome == CellOutcome.killed:
            memory = "memory" in (record.note or "")
            issues.append(ExecutionIssue(
                kind="memory_limit" if memory else "kernel_died",
                message=f"The kernel died while your functions were being checked: "
                        f"{record.note}. Checks after that point got no answer."))
            break
    if result.sandbox.pids_refused:
        issues.append(ExecutionIssue(
            kind="process_limit",
            message=f"The notebook tried to start more than {limits.pids} processes or threads; "
                    f"{result.sandbox.pids_refused} were refused."))
    return issues


def _cell_issue(record: CellRecord, limits: Limits) -> ExecutionIssue | None:
    cell = record.index + 1
    match record.outcome:
        case CellOutcome.error:
            hint = _error_hint(record, limits)
            return ExecutionIssue(kind="cell_error", cell=cell,
                                  message=f"Cell {cell} raised {record.error_name}: "
                                          f"{record.error_value}{hint}")
        case CellOutcome.timeout if record.note != TOTAL_TIME_UP:
            after = f" {record.note}." if record.note else ""
            return ExecutionIssue(kind="cell_timeout", cell=cell,
                                  message=f"Cell {cell} ran longer than the "
                                          f"{limits.cell_timeout_s:g} s limit per cell and was "
                                          f"interrupted.{after}")
        case CellOutcome.output_capped:
            return ExecutionIssue(kind="output_limit", cell=cell,
                                  message=f"Cell {cell} printed more than "
                                          f"{_size(limits.output_bytes)} of output; the rest was "
                                          "dropped (a cell that kept printing was interrupted).")
        case CellOutcome.killed:
            memory = "memory" in (record.note or "")
            return ExecutionIssue(kind="memory_limit" if memory else "kernel_died", cell=cell,
                                  message=f"The kernel was stopped while running cell {cell}: "
                                          f"{record.note}. The cells after it did not run.")
    return None


def _error_hint(record: CellRecord, limits: Limits) -> str:
    text = f"{record.error_name} {record.error_value}"
    if "No space left on device" in text or "File too large" in text:
        return f" (the working directory is limited to {_size(limits.disk_bytes)})"
    if record.error_name == "MemoryError":
        return f" (the memory limit is {_size(limits.memory_bytes)})"
    if "Resource temporarily unavailable" in text:
        return f" (at most {limits.pids} processes and threads may run)"
    return ""


def _size(n: int) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:g} {unit}"
    return f"{n} bytes"
