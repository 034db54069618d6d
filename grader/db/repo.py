"""Data functions: keyword-only, and none of them commits (the caller owns the transaction).

State changes of a submission are conditional UPDATEs, so two workers or two reapers racing on
one row cannot both win: the row is the source of truth, whatever the queue delivers.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from grader.db.models import (
    ApiToken,
    Assignment,
    Course,
    Enrolment,
    ManualGrade,
    Result,
    RubricVersion,
    Submission,
    SubmissionStatus,
    User,
    utcnow,
)

TOKEN_PREFIX = "grd_"


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# users and tokens -----------------------------------------------------------------------------

def create_user(*, session: Session, email: str, name: str = "", is_admin: bool = False) -> User:
    user = User(email=email.strip().lower(), name=name, is_admin=is_admin)
    session.add(user)
    session.flush()
    return user


def find_user_by_email(*, session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def issue_token(*, session: Session, user: User, label: str = "") -> str:
    """Create a token; return the secret, which is stored only as its hash."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(secret), prefix=secret[:10],
                         label=label))
    session.flush()
    return secret


def find_user_by_token(*, session: Session, secret: str) -> User | None:
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret),
                                                  ApiToken.revoked.is_(False)))
    return token.user if token else None


# courses and enrolments -----------------------------------------------------------------------

def create_course(*, session: Session, name: str, instructor: User) -> Course:
    course = Course(name=name)
    session.add(course)
    session.flush()
    session.add(Enrolment(course_id=course.id, user_id=instructor.id, role="instructor"))
    session.flush()
    return course


def enrol(*, session: Session, course: Course, user: User, role: str) -> Enrolment:
    enrolment = session.scalar(select(Enrolment).where(Enrolment.course_id == course.id,
                                                       Enrolment.user_id == user.id))
    if enrolment is None:
        enrolment = Enrolment(course_id=course.id, user_id=user.id, role=role)
        session.add(enrolment)
    else:
        enrolment.role = role
    session.flush()
    return enrolment


def role_in(*, session: Session, course_id: int, user_id: int) -> str | None:
    return session.scalar(select(Enrolment.role).where(Enrolment.course_id == course_id,
                                                       Enrolment.user_id == user_id))


def courses_of(*, session: Session, user: User) -> list[tuple[Course, str]]:
    rows = session.execute(select(Course, Enrolment.role).join(Enrolment)
                           .where(Enrolment.user_id == user.id).order_by(Course.id))
    return [(course, role) for course, role in rows]


def enrolments_of(*, session: Session, course_id: int) -> list[Enrolment]:
    return list(session.scalars(select(Enrolment).where(Enrolment.course_id == course_id)
                                .order_by(Enrolment.id)))


# assignments and rubric versions --------------------------------------------------------------

def create_assignment(*, session: Session, course: Course, name: str, due_at: datetime | None,
                      late_penalty_per_day: float, late_cutoff_days: float | None) -> Assignment:
    assignment = Assignment(course_id=course.id, name=name, due_at=due_at,
                            late_penalty_per_day=late_penalty_per_day,
                            late_cutoff_days=late_cutoff_days)
    session.add(assignment)
    session.flush()
    return assignment


def add_rubric_version(*, session: Session, assignment: Assignment, rubric_id: str,
                       yaml_text: str, gpu: bool) -> RubricVersion:
    number = (session.scalar(select(func.max(RubricVersion.number))
                             .where(RubricVersion.assignment_id == assignment.id)) or 0) + 1
    version = RubricVersion(assignment_id=assignment.id, number=number, rubric_id=rubric_id,
                            yaml_text=yaml_text, gpu=gpu,
                            content_hash=hashlib.sha256(yaml_text.encode()).hexdigest())
    session.add(version)
    session.flush()
    assignment.current_version_id = version.id
    session.flush()
    return version


def assignments_of(*, session: Session, course_id: int) -> list[Assignment]:
    return list(session.scalars(select(Assignment).where(Assignment.course_id == course_id)
                                .order_by(Assignment.id)))


# submissions ----------------------------------------------------------------------------------

def create_submission(*, session: Session, assignment: Assignment, student: User,
                      notebook_sha256: str, content_key: str, artifacts: list[dict[str, Any]],
                      seed: int, queue: str) -> Submission:
    submission = Submission(assignment_id=assignment.id, student_id=student.id,
                            rubric_version_id=assignment.current_version_id,
                            notebook_sha256=notebook_sha256, content_key=content_key,
                            artifacts=artifacts, seed=seed, queue=queue,
                            status=SubmissionStatus.queued, enqueued_at=utcnow())
    session.add(submission)
    session.flush()
    return submission


def find_duplicate(*, session: Session, assignment_id: int, student_id: int,
                   content_key: str) -> Submission | None:
    """The same content from the same student, not given up as a system error."""
    return session.scalar(select(Submission).where(
        Submission.assignment_id == assignment_id, Submission.student_id == student_id,
        Submission.content_key == content_key, Submission.status != SubmissionStatus.error,
        Submission.rubric_version_id == select(Assignment.current_version_id)
        .where(Assignment.id == assignment_id).scalar_subquery())
        .order_by(Submission.id.desc()).limit(1))


def uploads_since(*, session: Session, student_id: int, since: datetime) -> list[datetime]:
    return list(session.scalars(select(Submission.created_at).where(
        Submission.student_id == student_id, Submission.created_at >= since)
        .order_by(Submission.created_at)))


def submissions_of(*, session: Session, assignment_id: int,
                   student_id: int | None = None) -> list[Submission]:
    query = select(Submission).where(Submission.assignment_id == assignment_id)
    if student_id is not None:
        query = query.where(Submission.student_id == student_id)
    return list(session.scalars(query.order_by(Submission.id)))


def claim(*, session: Session, submission_id: int, owner: str, lease_s: float,
          now: datetime) -> bool:
    """queued, or running with an expired lease → running, owned by `owner`; attempts += 1."""
    result = session.execute(
        update(Submission)
        .where(Submission.id == submission_id, or_(
            Submission.status == SubmissionStatus.queued,
            and_(Submission.status == SubmissionStatus.running,
                 Submission.lease_expires_at < now)))
        .values(status=SubmissionStatus.running, attempts=Submission.attempts + 1,
                lease_owner=owner, lease_expires_at=now + timedelta(seconds=lease_s),
                started_at=now, error=None)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def renew_lease(*, session: Session, submission_id: int, owner: str, lease_s: float,
                now: datetime) -> bool:
    result = session.execute(
        update(Submission)
        .where(Submission.id == submission_id, Submission.lease_owner == owner,
               Submission.status == SubmissionStatus.running)
        .values(lease_expires_at=now + timedelta(seconds=lease_s))
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def finish(*, session: Session, submission_id: int, owner: str, status: str,
           error: str | None = None, now: datetime) -> bool:
    """Only the lease owner may finish a running job."""
    result = session.execute(
        update(Submission)
        .where(Submission.id == submission_id, Submission.lease_owner == owner,
               Submission.status == SubmissionStatus.running)
        .values(status=status, error=error, finished_at=now, lease_expires_at=None)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def release_for_retry(*, session: Session, submission_id: int, owner: str, error: str,
                      now: datetime) -> bool:
    result = session.execute(
        update(Submission)
        .where(Submission.id == submission_id, Submission.lease_owner == owner,
               Submission.status == SubmissionStatus.running)
        .values(status=SubmissionStatus.queued, error=error, lease_owner=None,
                lease_expires_at=None, enqueued_at=now)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def save_result(*, session: Session, submission_id: int, rubric_version_id: int,
                report: dict[str, Any], auto_score: float, max_score: float,
                executed_sha256: str | None, now: datetime) -> None:
    """Insert or replace the one result of a submission (unique on submission_id)."""
    values = dict(submission_id=submission_id, rubric_version_id=rubric_version_id,
                  report=report, auto_score=auto_score, max_score=max_score,
                  executed_sha256=executed_sha256, graded_at=now)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(Result).values(**values)
    session.execute(statement.on_conflict_do_update(
        index_elements=[Result.submission_id],
        set_={k: v for k, v in values.items() if k != "submission_id"}))


def find_result(*, session: Session, submission_id: int) -> Result | None:
    return session.scalar(select(Result).where(Result.submission_id == submission_id))


def stuck_submissions(*, session: Session, now: datetime, queued_before: datetime) -> list[int]:
    """Running with an expired lease, or queued (message maybe lost) since before a cutoff."""
    return list(session.scalars(select(Submission.id).where(or_(
        and_(Submission.status == SubmissionStatus.running, Submission.lease_expires_at < now),
        and_(Submission.status == SubmissionStatus.queued,
             Submission.enqueued_at < queued_before)))))


def mark_requeued(*, session: Session, submission_id: int, now: datetime,
                  queued_before: datetime) -> bool:
    """Conditional: of several reapers, exactly one re-sends a stuck submission."""
    result = session.execute(
        update(Submission)
        .where(Submission.id == submission_id, or_(
            and_(Submission.status == SubmissionStatus.running,
                 Submission.lease_expires_at < now),
            and_(Submission.status == SubmissionStatus.queued,
                 Submission.enqueued_at < queued_before)))
        .values(status=SubmissionStatus.queued, lease_owner=None, lease_expires_at=None,
                enqueued_at=now)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def manual_grades(*, session: Session, submission_id: int) -> list[ManualGrade]:
    return list(session.scalars(select(ManualGrade)
                                .where(ManualGrade.submission_id == submission_id)))


def set_manual_grade(*, session: Session, submission_id: int, question_id: str, score: float,
                     comment: str, grader: User) -> ManualGrade:
    grade = session.scalar(select(ManualGrade).where(ManualGrade.submission_id == submission_id,
                                                     ManualGrade.question_id == question_id))
    if grade is None:
        grade = ManualGrade(submission_id=submission_id, question_id=question_id, score=score,
                            comment=comment, grader_id=grader.id)
        session.add(grade)
    else:
        grade.score, grade.comment, grade.grader_id = score, comment, grader.id
    session.flush()
    return grade
