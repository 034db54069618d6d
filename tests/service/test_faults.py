"""Crashes and outages: a killed worker, a restarted Redis, a job that keeps killing its worker,
duplicate deliveries. The database row decides; nothing is lost and nothing is graded twice."""

from __future__ import annotations

import json
import time

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from grader.api.app import create_app
from grader.db.models import Result, Submission
from grader.worker.app import create_celery, make_enqueue
from tests.conftest import REPO
from tests.service.factories import API, auth, make_course, upload, wait_for_status

pytestmark = pytest.mark.sandbox
POSTGRES_ONLY = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def slow_solution(seconds: float = 6) -> bytes:
    nb = json.loads((REPO / "notebooks/hw3-2022/solution.ipynb").read_text())
    nb["cells"].insert(1, {"cell_type": "code", "id": "slow", "metadata": {}, "outputs": [],
                           "execution_count": None,
                           "source": f"import time\ntime.sleep({seconds})"})
    return json.dumps(nb).encode()


@pytest.fixture
def client(service_settings):  # noqa: ANN201
    with TestClient(create_app(service_settings)) as test_client:
        yield test_client


def row(sessions, submission_id: int) -> Submission:  # noqa: ANN001
    with sessions() as session:
        return session.get(Submission, submission_id)


def results_of(sessions, submission_id: int) -> int:  # noqa: ANN001
    with sessions() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Result)
                              .where(Result.submission_id == submission_id))


def wait_until(condition, timeout: float = 30) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_worker_killed_mid_job_loses_nothing_and_grades_once(client, admin_token, workers,
                                                                sessions):
    course = make_course(client, admin_token)
    ada = course.students["ada@example.edu"]
    first = workers.start()
    sid = upload(client, ada, course.assignment, slow_solution()).json()["id"]
    wait_until(lambda: row(sessions, sid).status == "running")
    workers.kill(first)
    workers.start()  # its reaper finds the expired lease and sends the job again
    status = wait_for_status(client, ada, sid, timeout=60)
    assert (status["status"], status["attempts"]) == ("graded", 2)
    assert results_of(sessions, sid) == 1
    assert client.get(f"{API}/submissions/{sid}/result", headers=auth(ada)).json()[
        "auto_score"] == 45


@POSTGRES_ONLY
def test_redis_restarted_while_submissions_wait_loses_none(client, admin_token, workers,
                                                           sessions, redis_server):
    course = make_course(client, admin_token, students=("a@x.edu", "b@x.edu", "c@x.edu"))
    ids = [upload(client, token, course.assignment).json()["id"]
           for token in course.students.values()]
    redis_server.restart()  # the queue is gone with it: nothing on disk
    workers.start(requeue_queued_after_s=2)
    for sid in ids:
        assert wait_for_status(client, admin_token, sid, timeout=60)["status"] == "graded"
        assert results_of(sessions, sid) == 1


@POSTGRES_ONLY
def test_a_job_that_keeps_killing_its_worker_ends_as_a_system_error(client, admin_token,
                                                                    workers, sessions):
    course = make_course(client, admin_token)
    ada = course.students["ada@example.edu"]
    sid = upload(client, ada, course.assignment, slow_solution(30)).json()["id"]
    for attempt in (1, 2):
        worker = workers.start(max_attempts=2)
        wait_until(lambda a=attempt: row(sessions, sid).attempts == a
                   and row(sessions, sid).status == "running")
        workers.kill(worker)
    workers.start(max_attempts=2)
    status = wait_for_status(client, ada, sid, timeout=30)
    assert status["status"] == "error"
    assert status["error"] == ("system error: this submission could not be graded after 2 "
                               "attempts; resubmit it (no penalty)")
    result = client.get(f"{API}/submissions/{sid}/result", headers=auth(ada))
    assert result.status_code == 409 and "resubmit it (no penalty)" in result.json()["detail"]
    # the same notebook may be uploaded again: a system error is not a duplicate
    again = upload(client, ada, course.assignment, slow_solution(30))
    assert again.status_code == 202 and again.json()["id"] != sid


@POSTGRES_ONLY
def test_a_notebook_that_kills_its_kernel_is_graded_once_not_retried(client, admin_token,
                                                                     workers, sessions):
    nb = json.loads((REPO / "notebooks/hw3-2022/solution.ipynb").read_text())
    nb["cells"].insert(1, {"cell_type": "code", "id": "kill", "metadata": {}, "outputs": [],
                           "execution_count": None, "source": "import os\nos.kill(os.getpid(), 9)"})
    workers.start()
    course = make_course(client, admin_token)
    ada = course.students["ada@example.edu"]
    sid = upload(client, ada, course.assignment, json.dumps(nb).encode()).json()["id"]
    status = wait_for_status(client, ada, sid)
    assert (status["status"], status["attempts"]) == ("graded", 1)
    result = client.get(f"{API}/submissions/{sid}/result", headers=auth(ada)).json()
    assert result["auto_score"] == 0
    assert result["issues"][0]["kind"] == "kernel_died"


@POSTGRES_ONLY
def test_duplicate_deliveries_never_make_a_second_result(client, admin_token, workers,
                                                         sessions, service_settings):
    course = make_course(client, admin_token)
    ada = course.students["ada@example.edu"]
    sid = upload(client, ada, course.assignment).json()["id"]
    celery = create_celery(service_settings)
    enqueue = make_enqueue(celery)
    for _ in range(3):  # the same job, delivered three more times
        enqueue(sid, "cpu", 0)
    celery.close()
    workers.start()
    workers.start()
    wait_for_status(client, ada, sid)
    time.sleep(2)  # let the extra deliveries arrive and be refused
    assert results_of(sessions, sid) == 1
    assert row(sessions, sid).attempts == 1
