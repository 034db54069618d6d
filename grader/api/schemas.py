"""Request and response bodies, named by role: XCreate, XPublic."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class UserCreate(BaseModel):
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    name: str = ""
    is_admin: bool = False


class UserPublic(BaseModel):
    id: int
    email: str
    name: str
    is_admin: bool


class TokenCreate(BaseModel):
    label: str = ""


class TokenPublic(BaseModel):
    token: str = Field(description="shown once; only its hash is stored")
    user: UserPublic


class CourseCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class CoursePublic(BaseModel):
    id: int
    name: str
    role: str | None = None


class EnrolmentCreate(BaseModel):
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    name: str = ""
    role: Literal["student", "instructor"] = "student"


class EnrolmentPublic(BaseModel):
    user: UserPublic
    role: str


class AssignmentCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    rubric_id: str | None = Field(None, description="a rubric in the server's rubrics/ folder")
    rubric_yaml: str | None = Field(None, description="or the rubric itself, as YAML")
    due_at: datetime | None = None
    late_penalty_per_day: float = Field(0.0, ge=0, le=1, description="fraction of the score")
    late_cutoff_days: float | None = Field(None, ge=0, description="uploads close this many "
                                                                   "days after the due date")


class RubricUpdate(BaseModel):
    rubric_id: str | None = None
    rubric_yaml: str | None = None


class AssignmentUpdate(BaseModel):
    due_at: datetime | None = None
    late_penalty_per_day: float | None = Field(None, ge=0, le=1)
    late_cutoff_days: float | None = Field(None, ge=0)
    grades_published: bool | None = None


class QuestionPublic(BaseModel):
    id: str
    title: str
    points: float
    kind: Literal["automatic", "manual"]


class AssignmentPublic(BaseModel):
    id: int
    course_id: int
    name: str
    due_at: datetime | None
    late_penalty_per_day: float
    late_cutoff_days: float | None
    grades_published: bool
    rubric_id: str
    rubric_version: int
    questions: list[QuestionPublic]


class SubmissionPublic(BaseModel):
    id: int
    assignment_id: int
    student: str
    status: Literal["queued", "running", "graded", "error"]
    attempts: int
    rubric_version: int
    error: str | None = None
    created_at: datetime
    finished_at: datetime | None = None
    status_url: str
    result_url: str
    duplicate: bool = Field(False, description="identical to an earlier upload, which is "
                                               "returned instead of grading again")


class SubmissionsPublic(BaseModel):
    data: list[SubmissionPublic]
    count: int


class ResultPublic(BaseModel):
    submission_id: int
    status: str
    auto_score: float
    manual_score: float
    late_days: int
    penalty: float
    total: float
    max_score: float
    pending_manual_points: float
    questions: list[dict[str, Any]]
    issues: list[dict[str, Any]] = []
    graded_at: datetime | None = None


class ManualGradeCreate(BaseModel):
    score: float = Field(ge=0)
    comment: str = ""


class RegradePublic(BaseModel):
    id: int
    total: int
    done: int
    queued: int
    running: int
    graded: int
    error: int
    progress_url: str


class Message(BaseModel):
    detail: str
