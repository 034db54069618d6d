"""Reading results: totals with manual grades and late penalty, what a student may see, the
gradebook, manual grading and regrades."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from grader.config import Settings
from grader.db import repo
from grader.db.models import (
    Assignment,
    ManualGrade,
    Regrade,
    Result,
    RubricVersion,
    Submission,
    SubmissionStatus,
    User,
    as_utc,
    utcnow,
)
from grader.errors import Conflict, NotFound
from grader.service.rubrics import load_version
from grader.service.submissions import Enqueue, late_days

HIDDEN_FROM_STUDENTS = "hidden"


@dataclass
class Summary:
    """A submission's scores as a person reads them."""

    submission: Submission
    result: Result | None
    questions: list[dict[str, Any]] = field(default_factory=list)
    auto_score: float = 0.0
    manual_score: float = 0.0
    late_days: int = 0
    penalty: float = 0.0
    total: float = 0.0
    max_score: float = 0.0
    pending_manual_points: float = 0.0


def summarize(*, session: Session, submission: Submission, assignment: Assignment,
              for_student: bool, now: datetime | None = None) -> Summary:
    result = repo.find_result(session=session, submission_id=submission.id)
    summary = Summary(submission=submission, result=result,
                      late_days=late_days(assignment, submission.created_at))
    if result is None:
        return summary
    manual = {g.question_id: g for g in repo.manual_grades(session=session,
                                                           submission_id=submission.id)}
    for question in result.report["questions"]:
        question = dict(question)
        summary.max_score += question["max_score"]
        if for_student and not _visible(question["visibility"], assignment, now or utcnow()):
            # hidden from the student: neither the score nor its share of the total shows
            question.update(score=None, status=HIDDEN_FROM_STUDENTS, feedback=[])
            summary.questions.append(question)
            continue
        grade = manual.get(question["id"])
        if question["status"] == "pending-manual" and grade is not None:
            question.update(score=grade.score, feedback=[grade.comment] if grade.comment else [],
                            status=_status(grade.score, question["max_score"]))
            summary.manual_score += grade.score
        elif question["status"] == "pending-manual":
            summary.pending_manual_points += question["max_score"]
        else:
            summary.auto_score += question["score"]
        summary.questions.append(question)
    raw = summary.auto_score + summary.manual_score
    summary.penalty = round(min(1.0, summary.late_days * assignment.late_penalty_per_day) * raw, 4)
    summary.total = round(raw - summary.penalty, 4)
    return summary


def _status(score: float, max_score: float) -> str:
    return "passed" if score >= max_score else "failed" if score <= 0 else "partial"


def _visible(visibility: str, assignment: Assignment, now: datetime) -> bool:
    if visibility == "hidden":
        return False
    if visibility == "after_due_date":
        due = as_utc(assignment.due_at)
        return due is None or now >= due
    if visibility == "after_published":
        return assignment.grades_published
    return True


def set_manual_grade(*, session: Session, settings: Settings, submission: Submission,
                     question_id: str, score: float, comment: str, grader: User) -> ManualGrade:
    version = session.get(RubricVersion, submission.rubric_version_id)
    rubric = load_version(version, rubrics_dir=settings.rubrics_dir).rubric
    question = next((q for q in rubric.questions if q.id == question_id), None)
    if question is None:
        raise NotFound(f"the rubric has no question {question_id!r}")
    if not question.is_manual:
        raise Conflict(f"question {question_id!r} is graded automatically; regrade instead")
    if not 0 <= score <= question.points:
        raise Conflict(f"score {score:g} is outside 0..{question.points:g} for question "
                       f"{question_id!r}")
    grade = repo.set_manual_grade(session=session, submission_id=submission.id,
                                  question_id=question_id, score=score, comment=comment,
                                  grader=grader)
    session.commit()
    return grade


def regrade(*, session: Session, enqueue: Enqueue, assignment: Assignment,
            submissions: list[Submission]) -> Regrade:
    """Re-queue submissions under the assignment's current rubric version; results are replaced
    when the new grading finishes (the old one stays readable meanwhile)."""
    busy = [s.id for s in submissions if s.status == SubmissionStatus.running]
    if busy:
        raise Conflict(f"submissions {busy} are being graded right now; try again shortly")
    batch = Regrade(assignment_id=assignment.id, rubric_version_id=assignment.current_version_id,
                    total=len(submissions))
    session.add(batch)
    session.flush()
    now = utcnow()
    for submission in submissions:
        submission.rubric_version_id = assignment.current_version_id
        submission.status, submission.attempts = SubmissionStatus.queued, 0
        submission.regrade_id, submission.enqueued_at, submission.error = batch.id, now, None
    session.commit()
    for submission in submissions:
        enqueue(submission.id, submission.queue, 0)
    return batch


def regrade_progress(*, session: Session, batch: Regrade) -> dict[str, int]:
    counts = {status.value: 0 for status in SubmissionStatus}
    for submission in session.query(Submission).filter(Submission.regrade_id == batch.id):
        counts[submission.status] += 1
    return {"total": batch.total, **counts,
            "done": counts["graded"] + counts["error"]}


def gradebook(*, session: Session, assignment: Assignment, policy: str) -> list[dict[str, Any]]:
    """One row per student: their best or last graded submission, with per-question scores."""
    rows = []
    by_student: dict[int, list[Submission]] = {}
    for submission in repo.submissions_of(session=session, assignment_id=assignment.id):
        by_student.setdefault(submission.student_id, []).append(submission)
    for student_id, submissions in sorted(by_student.items()):
        summaries = [summarize(session=session, submission=s, assignment=assignment,
                               for_student=False)
                     for s in submissions if s.status == SubmissionStatus.graded]
        student = session.get(User, student_id)
        if not summaries:
            rows.append({"student": student.email, "submission_id": None, "submissions":
                         len(submissions), "total": None, "questions": {}})
            continue
        chosen = (max(summaries, key=lambda s: (s.total, s.submission.id)) if policy == "best"
                  else summaries[-1])
        rows.append({
            "student": student.email, "submission_id": chosen.submission.id,
            "submitted_at": as_utc(chosen.submission.created_at).isoformat(),
            "submissions": len(submissions), "late_days": chosen.late_days,
            "auto_score": chosen.auto_score, "manual_score": chosen.manual_score,
            "penalty": chosen.penalty, "total": chosen.total, "max_score": chosen.max_score,
            "pending_manual_points": chosen.pending_manual_points,
            # a free-response item nobody has graded yet is blank, not a zero
            "questions": {q["id"]: None if q["status"] == "pending-manual" else q["score"]
                          for q in chosen.questions}})
    return rows


def gradebook_csv(rows: list[dict[str, Any]], question_ids: list[str]) -> str:
    buffer = io.StringIO()
    fixed = ["student", "submission_id", "submitted_at", "submissions", "late_days",
             "auto_score", "manual_score", "penalty", "total", "max_score",
             "pending_manual_points"]
    writer = csv.writer(buffer)
    writer.writerow(fixed + [f"q:{qid}" for qid in question_ids])
    for row in rows:
        writer.writerow([row.get(k, "") if row.get(k) is not None else "" for k in fixed]
                        + [_cell(row["questions"].get(qid)) for qid in question_ids])
    return buffer.getvalue()


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:g}"
