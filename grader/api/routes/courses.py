"""Courses, enrolments, and the assignments of a course."""

from __future__ import annotations

from fastapi import APIRouter

from grader.api.deps import CurrentUser, SessionDep, StateDep, course_role, require_instructor
from grader.api.schemas import (
    AssignmentCreate,
    AssignmentPublic,
    CourseCreate,
    CoursePublic,
    EnrolmentCreate,
    EnrolmentPublic,
    TokenCreate,
    TokenPublic,
)
from grader.api.views import assignment_public, user_public
from grader.db import repo
from grader.db.models import Course, User
from grader.errors import NotFound, RubricError
from grader.service.assignments import create_assignment

router = APIRouter(tags=["courses"])


@router.post("/courses", response_model=CoursePublic, status_code=201)
def create_course(body: CourseCreate, user: CurrentUser, session: SessionDep) -> CoursePublic:
    course = repo.create_course(session=session, name=body.name, instructor=user)
    session.commit()
    return CoursePublic(id=course.id, name=course.name, role="instructor")


@router.get("/courses", response_model=list[CoursePublic])
def my_courses(user: CurrentUser, session: SessionDep) -> list[CoursePublic]:
    return [CoursePublic(id=c.id, name=c.name, role=role)
            for c, role in repo.courses_of(session=session, user=user)]


@router.get("/courses/{course_id}", response_model=CoursePublic)
def get_course(course_id: int, user: CurrentUser, session: SessionDep) -> CoursePublic:
    role = course_role(session, user, course_id)
    course = session.get(Course, course_id)
    return CoursePublic(id=course.id, name=course.name, role=role)


@router.post("/courses/{course_id}/enrolments", response_model=EnrolmentPublic, status_code=201)
def enrol(course_id: int, body: EnrolmentCreate, user: CurrentUser,
          session: SessionDep) -> EnrolmentPublic:
    require_instructor(course_role(session, user, course_id))
    member = (repo.find_user_by_email(session=session, email=body.email)
              or repo.create_user(session=session, email=body.email, name=body.name))
    enrolment = repo.enrol(session=session, course=session.get(Course, course_id), user=member,
                           role=body.role)
    session.commit()
    return EnrolmentPublic(user=user_public(member), role=enrolment.role)


@router.get("/courses/{course_id}/enrolments", response_model=list[EnrolmentPublic])
def enrolments(course_id: int, user: CurrentUser, session: SessionDep) -> list[EnrolmentPublic]:
    require_instructor(course_role(session, user, course_id))
    return [EnrolmentPublic(user=user_public(e.user), role=e.role)
            for e in repo.enrolments_of(session=session, course_id=course_id)]


@router.post("/courses/{course_id}/enrolments/{user_id}/tokens", response_model=TokenPublic,
             status_code=201)
def token_for_member(course_id: int, user_id: int, body: TokenCreate, user: CurrentUser,
                     session: SessionDep) -> TokenPublic:
    """An instructor hands out API tokens to the students of their course (shown once)."""
    require_instructor(course_role(session, user, course_id))
    if repo.role_in(session=session, course_id=course_id, user_id=user_id) != "student":
        raise NotFound(f"no student {user_id} in course {course_id}")
    member = session.get(User, user_id)
    secret = repo.issue_token(session=session, user=member, label=body.label)
    session.commit()
    return TokenPublic(token=secret, user=user_public(member))


@router.post("/courses/{course_id}/assignments", response_model=AssignmentPublic,
             status_code=201)
def add_assignment(course_id: int, body: AssignmentCreate, user: CurrentUser,
                   session: SessionDep, state: StateDep) -> AssignmentPublic:
    require_instructor(course_role(session, user, course_id))
    if (body.rubric_id is None) == (body.rubric_yaml is None):
        raise RubricError("give exactly one of rubric_id (a rubric on the server) or "
                          "rubric_yaml (the rubric itself)")
    assignment = create_assignment(session=session, settings=state.settings,
                                   course=session.get(Course, course_id), body=body)
    return assignment_public(session, state.settings, assignment)


@router.get("/courses/{course_id}/assignments", response_model=list[AssignmentPublic])
def list_assignments(course_id: int, user: CurrentUser, session: SessionDep,
                     state: StateDep) -> list[AssignmentPublic]:
    course_role(session, user, course_id)
    return [assignment_public(session, state.settings, a)
            for a in repo.assignments_of(session=session, course_id=course_id)]
