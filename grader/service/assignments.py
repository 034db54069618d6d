"""Assignments and their rubric versions (a submission is pinned to the version it used)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from grader.config import Settings
from grader.db import repo
from grader.db.models import Assignment, Course, RubricVersion
from grader.errors import RubricError
from grader.rubric.loader import find_rubric_file
from grader.service.rubrics import load_version_text, needs_gpu


def rubric_text(settings: Settings, *, rubric_id: str | None, rubric_yaml: str | None) -> str:
    if rubric_yaml is not None:
        return rubric_yaml
    if rubric_id is None or "/" in rubric_id or rubric_id.startswith("."):
        raise RubricError(f"not a rubric id: {rubric_id!r}")
    return find_rubric_file(rubric_id, settings.rubrics_dir).read_text()


def add_version(*, session: Session, settings: Settings, assignment: Assignment,
                rubric_id: str | None, rubric_yaml: str | None) -> RubricVersion:
    text = rubric_text(settings, rubric_id=rubric_id, rubric_yaml=rubric_yaml)
    loaded = load_version_text(text, rubrics_dir=settings.rubrics_dir, label="the rubric")
    limit = loaded.rubric.limits.total_timeout_s
    if limit >= settings.job_time_limit_s:
        raise RubricError(f"the rubric's total_timeout ({limit:g} s) must be below the "
                          f"workers' job limit ({settings.job_time_limit_s} s)")
    return repo.add_rubric_version(session=session, assignment=assignment,
                                   rubric_id=loaded.rubric.id, yaml_text=text,
                                   gpu=needs_gpu(loaded))


def create_assignment(*, session: Session, settings: Settings, course: Course,
                      body: Any) -> Assignment:
    assignment = repo.create_assignment(
        session=session, course=course, name=body.name, due_at=body.due_at,
        late_penalty_per_day=body.late_penalty_per_day, late_cutoff_days=body.late_cutoff_days)
    add_version(session=session, settings=settings, assignment=assignment,
                rubric_id=body.rubric_id, rubric_yaml=body.rubric_yaml)
    session.commit()
    return assignment
