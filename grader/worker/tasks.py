"""The grading task and the reaper; both delegate to grader.service.grading."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

from celery import Celery, signals
from sqlalchemy.orm import Session, sessionmaker

from grader.config import Settings, get_settings
from grader.db.session import make_engine, make_sessionmaker
from grader.sandbox import get_backend
from grader.sandbox.base import Backend
from grader.service.grading import reap, run_grading
from grader.storage import LocalBlobStore
from grader.worker.app import TASK_NAME, make_enqueue

log = logging.getLogger(__name__)


@dataclass
class WorkerContext:
    settings: Settings
    sessions: sessionmaker[Session]
    store: LocalBlobStore
    backend: Backend


@lru_cache
def context() -> WorkerContext:
    """Built on first use inside each worker process (never inherited across a fork)."""
    settings = get_settings()
    return WorkerContext(settings=settings,
                         sessions=make_sessionmaker(make_engine(settings.sqlalchemy_url())),
                         store=LocalBlobStore(settings.blob_root()),
                         backend=get_backend(settings.sandbox, settings))


@signals.worker_process_init.connect
def _fresh_context_in_child(**_: object) -> None:
    # The parent's pooled connections must not be closed (or used) by the child.
    if context.cache_info().currsize:
        context().sessions.kw["bind"].dispose(close=False)
    context.cache_clear()


def register(app: Celery) -> None:
    enqueue = make_enqueue(app)

    @app.task(name=TASK_NAME, bind=True, acks_late=True, reject_on_worker_lost=True)
    def grade_submission(self, submission_id: int) -> str:  # noqa: ANN001
        ctx = context()
        owner = f"{socket.gethostname()}:{os.getpid()}:{self.request.id}"
        outcome = run_grading(sessions=ctx.sessions, store=ctx.store, settings=ctx.settings,
                              backend=ctx.backend, enqueue=enqueue,
                              submission_id=submission_id, owner=owner)
        log.info("submission %s: %s", submission_id, outcome)
        return outcome

    @signals.worker_ready.connect(weak=False)
    def _start_reaper(**_: object) -> None:
        threading.Thread(target=_reap_forever, args=(enqueue,), daemon=True,
                         name="reaper").start()


def _reap_forever(enqueue) -> None:  # noqa: ANN001
    ctx = context()
    while True:
        try:
            resent = reap(sessions=ctx.sessions, settings=ctx.settings, enqueue=enqueue)
            if resent:
                log.warning("re-sent stuck submissions %s", resent)
        except Exception:  # noqa: BLE001 - the reaper must outlive a database hiccup
            log.exception("reaper pass failed")
        time.sleep(ctx.settings.reap_interval_s)
