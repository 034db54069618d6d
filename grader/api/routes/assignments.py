"""An assignment: its rubric, its submissions, the gradebook, regrades."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from grader.api.app import API
from grader.api.deps import CurrentUser, SessionDep, StateDep, assignment_for, require_instructor
from grader.api.schemas import (
    AssignmentPublic,
    AssignmentUpdate,
    RegradePublic,
    RubricUpdate,
    SubmissionsPublic,
)
from grader.api.views import assignment_public, submission_public
from grader.db import repo
from grader.db.models import Regrade, RubricVersion
from grader.errors import NotFound
from grader.service import results
from grader.service.assignments import add_version
from grader.service.rubrics import load_version

router = APIRouter(tags=["assignments"])
Policy = Literal["best", "last"]


@router.get("/assignments/{assignment_id}", response_model=AssignmentPublic)
def get_assignment(assignment_id: int, user: CurrentUser, session: SessionDep,
                   state: StateDep) -> AssignmentPublic:
    assignment, _ = assignment_for(session, user, assignment_id)
    return assignment_public(session, state.settings, assignment)


@router.patch("/assignments/{assignment_id}", response_model=AssignmentPublic)
def update_assignment(assignment_id: int, body: AssignmentUpdate, user: CurrentUser,
                      session: SessionDep, state: StateDep) -> AssignmentPublic:
    assignment, role = assignment_for(session, user, assignment_id)
    require_instructor(role)
    for field, value in body.model_dump(exclude_unset=True).items():
        setattr(assignment, field, value)
    session.commit()
    return assignment_public(session, state.settings, assignment)


@router.put("/assignments/{assignment_id}/rubric", response_model=AssignmentPublic)
def replace_rubric(assignment_id: int, body: RubricUpdate, user: CurrentUser,
                   session: SessionDep, state: StateDep) -> AssignmentPublic:
    """A new rubric version; existing results keep theirs until regraded."""
    assignment, role = assignment_for(session, user, assignment_id)
    require_instructor(role)
    add_version(session=session, settings=state.settings, assignment=assignment,
                rubric_id=body.rubric_id, rubric_yaml=body.rubric_yaml)
    session.commit()
    return assignment_public(session, state.settings, assignment)


@router.get("/assignments/{assignment_id}/submissions", response_model=SubmissionsPublic)
def list_submissions(assignment_id: int, user: CurrentUser,
                     session: SessionDep) -> SubmissionsPublic:
    """A student's own history; an instructor sees everyone's."""
    assignment, role = assignment_for(session, user, assignment_id)
    rows = repo.submissions_of(session=session, assignment_id=assignment.id,
                               student_id=None if role == "instructor" else user.id)
    data = [submission_public(session, s) for s in rows]
    return SubmissionsPublic(data=data, count=len(data))


@router.get("/assignments/{assignment_id}/gradebook")
def gradebook(assignment_id: int, user: CurrentUser, session: SessionDep,
              policy: Policy = "best") -> dict:
    assignment, role = assignment_for(session, user, assignment_id)
    require_instructor(role)
    rows = results.gradebook(session=session, assignment=assignment, policy=policy)
    return {"assignment_id": assignment.id, "policy": policy, "students": rows}


@router.get("/assignments/{assignment_id}/gradebook.csv", response_class=PlainTextResponse)
def gradebook_csv(assignment_id: int, user: CurrentUser, session: SessionDep, state: StateDep,
                  policy: Policy = "best") -> PlainTextResponse:
    assignment, role = assignment_for(session, user, assignment_id)
    require_instructor(role)
    version = session.get(RubricVersion, assignment.current_version_id)
    question_ids = [q.id for q in load_version(version, rubrics_dir=state.settings.rubrics_dir)
                    .rubric.questions]
    rows = results.gradebook(session=session, assignment=assignment, policy=policy)
    return PlainTextResponse(
        results.gradebook_csv(rows, question_ids), media_type="text/csv",
        headers={"Content-Disposition":
                 f'attachment; filename="assignment-{assignment.id}-gradebook.csv"'})


@router.post("/assignments/{assignment_id}/regrade", response_model=RegradePublic,
             status_code=202)
def regrade_assignment(assignment_id: int, user: CurrentUser, session: SessionDep,
                       state: StateDep) -> RegradePublic:
    assignment, role = assignment_for(session, user, assignment_id)
    require_instructor(role)
    batch = results.regrade(session=session, enqueue=state.enqueue, assignment=assignment,
                            submissions=repo.submissions_of(session=session,
                                                            assignment_id=assignment.id))
    return regrade_public(session, batch)


@router.get("/regrades/{regrade_id}", response_model=RegradePublic)
def regrade_progress(regrade_id: int, user: CurrentUser, session: SessionDep) -> RegradePublic:
    batch = session.get(Regrade, regrade_id)
    if batch is None:
        raise NotFound(f"no regrade {regrade_id}")
    try:
        _, role = assignment_for(session, user, batch.assignment_id)
    except NotFound:
        raise NotFound(f"no regrade {regrade_id}") from None
    require_instructor(role)
    return regrade_public(session, batch)


def regrade_public(session: SessionDep, batch: Regrade) -> RegradePublic:
    progress = results.regrade_progress(session=session, batch=batch)
    return RegradePublic(id=batch.id, progress_url=f"{API}/regrades/{batch.id}", **progress)
