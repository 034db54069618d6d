"""Accepting an upload: validate, store, record, commit, then enqueue."""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from grader.config import Settings
from grader.db import repo
from grader.db.models import Assignment, RubricVersion, Submission, User, as_utc, utcnow
from grader.errors import Conflict, InvalidNotebook, RateLimited, UploadTooLarge
from grader.notebooks import parse_notebook
from grader.service.rubrics import load_version, needs_gpu
from grader.storage import LocalBlobStore

Enqueue = Callable[[int, str, float], None]
ARTIFACT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def submit(*, session: Session, store: LocalBlobStore, settings: Settings, enqueue: Enqueue,
           student: User, assignment: Assignment, notebook: bytes,
           artifacts: dict[str, bytes], now: datetime | None = None) -> tuple[Submission, bool]:
    """Return (submission, created). An identical resubmission returns the existing one."""
    now = now or utcnow()
    size = len(notebook) + sum(len(a) for a in artifacts.values())
    if size > settings.max_upload_bytes:
        raise UploadTooLarge(size_bytes=size, limit_bytes=settings.max_upload_bytes)
    parse_notebook(notebook, max_bytes=settings.max_upload_bytes, source="the notebook")
    for name in artifacts:
        if not ARTIFACT_NAME.match(name) or name == "submission.ipynb":
            raise InvalidNotebook(f"artifact name {name!r} is not allowed: use letters, digits, "
                                  "'.', '_' and '-'")
    check_window(assignment, now)
    content_key = _content_key(notebook, artifacts)
    existing = repo.find_duplicate(session=session, assignment_id=assignment.id,
                                   student_id=student.id, content_key=content_key)
    if existing is not None:
        return existing, False
    check_rate(session=session, settings=settings, student=student, now=now)
    version = session.get(RubricVersion, assignment.current_version_id)
    loaded = load_version(version, rubrics_dir=settings.rubrics_dir)
    notebook_sha = store.put(notebook)
    stored = [{"name": name, "sha256": store.put(data)} for name, data in sorted(artifacts.items())]
    submission = repo.create_submission(
        session=session, assignment=assignment, student=student, notebook_sha256=notebook_sha,
        content_key=content_key, artifacts=stored, seed=secrets.randbelow(2**31),
        queue="gpu" if needs_gpu(loaded) else "cpu")
    session.commit()  # the row exists before any message does
    enqueue(submission.id, submission.queue, 0)
    return submission, True


def check_window(assignment: Assignment, now: datetime) -> None:
    due = as_utc(assignment.due_at)
    if due is None or assignment.late_cutoff_days is None:
        return
    closes = due + timedelta(days=assignment.late_cutoff_days)
    if now > closes:
        raise Conflict(f"submissions for {assignment.name!r} closed at "
                       f"{closes:%Y-%m-%d %H:%M} UTC")


def late_days(assignment: Assignment, submitted_at: datetime) -> int:
    due = as_utc(assignment.due_at)
    if due is None:
        return 0
    late = (as_utc(submitted_at) - due).total_seconds()
    return max(0, math.ceil(late / 86400))


def check_rate(*, session: Session, settings: Settings, student: User, now: datetime) -> None:
    window = timedelta(seconds=settings.upload_window_s)
    recent = repo.uploads_since(session=session, student_id=student.id, since=now - window)
    if len(recent) >= settings.uploads_per_window:
        retry = math.ceil((as_utc(recent[0]) + window - now).total_seconds())
        raise RateLimited(f"at most {settings.uploads_per_window} uploads per "
                          f"{settings.upload_window_s // 60} minutes; try again in {retry} s",
                          retry_after_s=max(1, retry))


def _content_key(notebook: bytes, artifacts: dict[str, bytes]) -> str:
    digest = hashlib.sha256(hashlib.sha256(notebook).digest())
    for name, data in sorted(artifacts.items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()
