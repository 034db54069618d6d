"""Rows → response bodies."""

from __future__ import annotations

from sqlalchemy.orm import Session

from grader.api.app import API
from grader.api.schemas import AssignmentPublic, QuestionPublic, SubmissionPublic, UserPublic
from grader.config import Settings
from grader.db.models import Assignment, RubricVersion, Submission, User, as_utc
from grader.service.rubrics import load_version


def user_public(user: User) -> UserPublic:
    return UserPublic(id=user.id, email=user.email, name=user.name, is_admin=user.is_admin)


def assignment_public(session: Session, settings: Settings,
                      assignment: Assignment) -> AssignmentPublic:
    version = session.get(RubricVersion, assignment.current_version_id)
    rubric = load_version(version, rubrics_dir=settings.rubrics_dir).rubric
    return AssignmentPublic(
        id=assignment.id, course_id=assignment.course_id, name=assignment.name,
        due_at=as_utc(assignment.due_at), late_penalty_per_day=assignment.late_penalty_per_day,
        late_cutoff_days=assignment.late_cutoff_days,
        grades_published=assignment.grades_published, rubric_id=version.rubric_id,
        rubric_version=version.number,
        questions=[QuestionPublic(id=q.id, title=q.title, points=q.points,
                                  kind="manual" if q.is_manual else "automatic")
                   for q in rubric.questions])


def submission_public(session: Session, submission: Submission,
                      duplicate: bool = False) -> SubmissionPublic:
    student = session.get(User, submission.student_id)
    version = session.get(RubricVersion, submission.rubric_version_id)
    return SubmissionPublic(
        id=submission.id, assignment_id=submission.assignment_id, student=student.email,
        status=submission.status, attempts=submission.attempts, rubric_version=version.number,
        error=submission.error, created_at=as_utc(submission.created_at),
        finished_at=as_utc(submission.finished_at),
        status_url=f"{API}/submissions/{submission.id}",
        result_url=f"{API}/submissions/{submission.id}/result", duplicate=duplicate)
