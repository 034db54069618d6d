"""Dependencies: the session, the caller, and every ownership check in one place.

A resource the caller may not know about answers 404, never 403: no existence leaks across
courses or between students.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from grader.api.app import AppState
from grader.db import repo
from grader.db.models import Assignment, Course, Submission, User
from grader.errors import NotFound, PermissionDenied


def get_state(request: Request) -> AppState:
    return request.app.state.grader


def get_session(request: Request) -> Iterator[Session]:
    with get_state(request).sessions() as session:
        yield session


StateDep = Annotated[AppState, Depends(get_state)]
SessionDep = Annotated[Session, Depends(get_session)]


def current_user(request: Request, session: SessionDep) -> User:
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise HTTPException(401, "missing API token: send `Authorization: Bearer <token>`",
                            headers={"WWW-Authenticate": "Bearer"})
    user = repo.find_user_by_token(session=session, secret=secret.strip())
    if user is None:
        raise HTTPException(401, "invalid or revoked API token",
                            headers={"WWW-Authenticate": "Bearer"})
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def course_role(session: Session, user: User, course_id: int) -> str:
    role = repo.role_in(session=session, course_id=course_id, user_id=user.id)
    if role is None and user.is_admin and session.get(Course, course_id) is not None:
        return "instructor"
    if role is None:
        raise NotFound(f"no course {course_id}")
    return role


def require_instructor(role: str) -> None:
    if role != "instructor":
        raise PermissionDenied("only the course's instructors may do this")


def assignment_for(session: Session, user: User, assignment_id: int) -> tuple[Assignment, str]:
    assignment = session.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFound(f"no assignment {assignment_id}")
    try:
        return assignment, course_role(session, user, assignment.course_id)
    except NotFound:
        raise NotFound(f"no assignment {assignment_id}") from None


def submission_for(session: Session, user: User,
                   submission_id: int) -> tuple[Submission, Assignment, str]:
    submission = session.get(Submission, submission_id)
    missing = NotFound(f"no submission {submission_id}")
    if submission is None:
        raise missing
    try:
        assignment, role = assignment_for(session, user, submission.assignment_id)
    except NotFound:
        raise missing from None
    if role != "instructor" and submission.student_id != user.id:
        raise missing
    return submission, assignment, role
