"""One delivery of a grading job: claim the row, grade under a lease, write the result once.

Any number of deliveries of the same submission (a redelivered message, the reaper's re-send)
end in one result: only the delivery that claims the row grades, and only the lease owner may
write. A job that keeps dying (its worker killed every time) stops at the attempt cap as a
system error the student may resubmit without penalty, never an endless loop.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import nbformat
from sqlalchemy.orm import Session, sessionmaker

from grader.config import Settings
from grader.datasets import HiddenData
from grader.db import repo
from grader.db.models import RubricVersion, Submission, SubmissionStatus, utcnow
from grader.errors import InfrastructureError
from grader.pipeline import grade_and_execute
from grader.sandbox.base import Backend
from grader.sandbox.gpu import choose_gpu
from grader.service.rubrics import load_version
from grader.service.submissions import Enqueue
from grader.storage import LocalBlobStore

log = logging.getLogger(__name__)
SYSTEM_ERROR = ("system error: this submission could not be graded after {n} attempts; "
                "resubmit it (no penalty)")


def run_grading(*, sessions: sessionmaker[Session], store: LocalBlobStore, settings: Settings,
                backend: Backend, enqueue: Enqueue, submission_id: int, owner: str) -> str:
    """Grade one submission if this delivery wins the claim; return what happened."""
    with sessions() as session:
        if not repo.claim(session=session, submission_id=submission_id, owner=owner,
                          lease_s=settings.lease_s, now=utcnow()):
            session.rollback()
            return "skipped"  # graded already, or another worker holds a live lease
        session.commit()
        submission = session.get(Submission, submission_id)
        if submission.attempts > settings.max_attempts:
            repo.finish(session=session, submission_id=submission_id, owner=owner,
                        status=SubmissionStatus.error, now=utcnow(),
                        error=SYSTEM_ERROR.format(n=settings.max_attempts))
            session.commit()
            return "gave up"
        version = session.get(RubricVersion, submission.rubric_version_id)
        nb_bytes = store.get(submission.notebook_sha256)
        assets = {a["name"]: store.path(a["sha256"]) for a in submission.artifacts}
        seed, attempts, version_id = submission.seed, submission.attempts, version.id
        loaded = load_version(version, rubrics_dir=settings.rubrics_dir)

    with LeaseKeeper(sessions, submission_id, owner, settings.lease_s):
        try:
            nb = nbformat.reads(nb_bytes.decode("utf-8-sig"), as_version=4)
            report, executed = grade_and_execute(nb, loaded, seed=seed, backend=backend,
                                                 assets=assets, data_dir=settings.data,
                                                 hidden=HiddenData(settings.hidden_data,
                                                                   settings.verify_datasets),
                                                 gpu=choose_gpu(loaded.rubric.limits.gpu,
                                                                settings.gpu))
            executed_sha = store.put(nbformat.writes(executed).encode())
        except InfrastructureError as exc:
            return _retry_or_give_up(sessions, enqueue, settings, submission_id, owner,
                                     attempts, str(exc))

    with sessions() as session:
        now = utcnow()
        repo.save_result(session=session, submission_id=submission_id,
                         rubric_version_id=version_id, report=report.model_dump(mode="json"),
                         auto_score=report.score, max_score=report.max_score,
                         executed_sha256=executed_sha, now=now)
        if not repo.finish(session=session, submission_id=submission_id, owner=owner,
                           status=SubmissionStatus.graded, now=now):
            session.rollback()  # our lease was taken over: the new owner writes the result
            return "lost lease"
        session.commit()
    return "graded"


def _retry_or_give_up(sessions: sessionmaker[Session], enqueue: Enqueue, settings: Settings,
                      submission_id: int, owner: str, attempts: int, error: str) -> str:
    log.warning("submission %s: infrastructure error on attempt %s: %s", submission_id,
                attempts, error)
    with sessions() as session:
        if attempts >= settings.max_attempts:
            repo.finish(session=session, submission_id=submission_id, owner=owner,
                        status=SubmissionStatus.error, now=utcnow(),
                        error=SYSTEM_ERROR.format(n=attempts) + f" ({error})")
            session.commit()
            return "gave up"
        repo.release_for_retry(session=session, submission_id=submission_id, owner=owner,
                               error=error, now=utcnow())
        queue = session.get(Submission, submission_id).queue
        session.commit()
    enqueue(submission_id, queue, 5.0 * 2 ** (attempts - 1))
    return "retry"


class LeaseKeeper:
    """Renews the job's lease every third of its length while the body runs."""

    def __init__(self, sessions: sessionmaker[Session], submission_id: int, owner: str,
                 lease_s: float) -> None:
        self._renew = lambda: _renew(sessions, submission_id, owner, lease_s)
        self._interval = lease_s / 3
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="lease")

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._renew()
            except Exception:  # noqa: BLE001 - a failed renewal must not kill the job
                log.exception("lease renewal failed")

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _renew(sessions: sessionmaker[Session], submission_id: int, owner: str,
           lease_s: float) -> None:
    with sessions() as session:
        repo.renew_lease(session=session, submission_id=submission_id, owner=owner,
                         lease_s=lease_s, now=utcnow())
        session.commit()


def reap(*, sessions: sessionmaker[Session], settings: Settings, enqueue: Enqueue) -> list[int]:
    """Re-send submissions whose worker died (lease expired) or whose message was lost."""
    now = utcnow()
    queued_before = now - timedelta(seconds=settings.requeue_queued_after_s)
    resent = []
    with sessions() as session:
        for submission_id in repo.stuck_submissions(session=session, now=now,
                                                    queued_before=queued_before):
            if repo.mark_requeued(session=session, submission_id=submission_id, now=now,
                                  queued_before=queued_before):
                session.commit()
                resent.append(submission_id)
                enqueue(submission_id, session.get(Submission, submission_id).queue, 0)
            else:
                session.rollback()
    return resent

