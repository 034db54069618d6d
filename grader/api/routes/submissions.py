"""Uploads (Gradescope-style) and everything about one submission."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Response, UploadFile

from grader.api.deps import (
    CurrentUser,
    SessionDep,
    StateDep,
    assignment_for,
    require_instructor,
    submission_for,
)
from grader.api.schemas import ManualGradeCreate, RegradePublic, ResultPublic, SubmissionPublic
from grader.api.views import submission_public
from grader.db import repo
from grader.db.models import SubmissionStatus, as_utc
from grader.errors import Conflict, InvalidNotebook
from grader.export.gradescope import to_results_json
from grader.scoring import GradeReport
from grader.service import results
from grader.service.submissions import submit

router = APIRouter(tags=["submissions"])


# async on purpose: at a deadline burst the upload is the hot path, and running its ~10 ms of
# work on the event loop measured a p99 three times lower than hopping to the threadpool.
@router.post("/assignments/{assignment_id}/submissions", response_model=SubmissionPublic,
             status_code=202, responses={200: {"description": "identical to an earlier upload"}})
async def upload(assignment_id: int, user: CurrentUser, session: SessionDep, state: StateDep,
           response: Response, notebook: Annotated[UploadFile, File(description=".ipynb")],
           artifacts: Annotated[list[UploadFile] | None, File(
               description="extra files, e.g. trained weights vit.pt")] = None,
           ) -> SubmissionPublic:
    assignment, _ = assignment_for(session, user, assignment_id)
    files = {}
    for upload_file in artifacts or []:
        if not upload_file.filename:
            raise InvalidNotebook("an artifact was sent without a file name")
        files[upload_file.filename] = await upload_file.read()
    submission, created = submit(session=session, store=state.store, settings=state.settings,
                                 enqueue=state.enqueue, student=user, assignment=assignment,
                                 notebook=await notebook.read(), artifacts=files)
    body = submission_public(session, submission, duplicate=not created)
    response.status_code = 202 if created else 200
    response.headers["Location"] = body.status_url
    return body


@router.get("/submissions/{submission_id}", response_model=SubmissionPublic)
def get_submission(submission_id: int, user: CurrentUser, session: SessionDep) -> SubmissionPublic:
    submission, _, _ = submission_for(session, user, submission_id)
    return submission_public(session, submission)


def _graded(session: SessionDep, user: CurrentUser, submission_id: int):  # noqa: ANN202
    submission, assignment, role = submission_for(session, user, submission_id)
    if submission.status == SubmissionStatus.error:
        raise Conflict(f"submission {submission_id} could not be graded: {submission.error}")
    result = repo.find_result(session=session, submission_id=submission.id)
    if result is None:
        raise Conflict(f"submission {submission_id} is {submission.status}; its result is not "
                       "ready yet")
    return submission, assignment, role, result


@router.get("/submissions/{submission_id}/result", response_model=ResultPublic)
def get_result(submission_id: int, user: CurrentUser, session: SessionDep) -> ResultPublic:
    """Per-question scores and feedback, as far as the rubric lets the caller see them."""
    submission, assignment, role, result = _graded(session, user, submission_id)
    summary = results.summarize(session=session, submission=submission, assignment=assignment,
                                for_student=role != "instructor")
    return ResultPublic(
        submission_id=submission.id, status=submission.status, auto_score=summary.auto_score,
        manual_score=summary.manual_score, late_days=summary.late_days,
        penalty=summary.penalty, total=summary.total, max_score=summary.max_score,
        pending_manual_points=summary.pending_manual_points, questions=summary.questions,
        issues=result.report.get("issues", []), graded_at=as_utc(result.graded_at))


@router.get("/submissions/{submission_id}/results.json")
def get_results_json(submission_id: int, user: CurrentUser, session: SessionDep) -> dict:
    """Gradescope's autograder results.json for this submission."""
    _, _, _, result = _graded(session, user, submission_id)
    return to_results_json(GradeReport.model_validate(result.report))


@router.get("/submissions/{submission_id}/executed.ipynb")
def get_executed(submission_id: int, user: CurrentUser, session: SessionDep,
                 state: StateDep) -> Response:
    """The notebook as it ran: the student's cells and outputs (never the grader's probes)."""
    _, _, _, result = _graded(session, user, submission_id)
    return Response(state.store.get(result.executed_sha256),
                    media_type="application/x-ipynb+json",
                    headers={"Content-Disposition":
                             f'attachment; filename="submission-{submission_id}.ipynb"'})


@router.put("/submissions/{submission_id}/manual/{question_id}", response_model=ResultPublic)
def grade_by_hand(submission_id: int, question_id: str, body: ManualGradeCreate,
                  user: CurrentUser, session: SessionDep, state: StateDep) -> ResultPublic:
    submission, _, role, _ = _graded(session, user, submission_id)
    require_instructor(role)
    results.set_manual_grade(session=session, settings=state.settings, submission=submission,
                             question_id=question_id, score=body.score, comment=body.comment,
                             grader=user)
    return get_result(submission_id, user, session)


@router.post("/submissions/{submission_id}/regrade", response_model=RegradePublic,
             status_code=202)
def regrade_one(submission_id: int, user: CurrentUser, session: SessionDep,
                state: StateDep) -> RegradePublic:
    from grader.api.routes.assignments import regrade_public

    submission, assignment, role = submission_for(session, user, submission_id)
    require_instructor(role)
    batch = results.regrade(session=session, enqueue=state.enqueue, assignment=assignment,
                            submissions=[submission])
    return regrade_public(session, batch)
