"""The API's answers to good and bad requests, on SQLite and PostgreSQL (no worker needed)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from grader.api.app import create_app
from grader.db.models import ApiToken, Submission
from tests.conftest import NOTEBOOKS, REPO
from tests.service.factories import API, auth, make_course, upload


@pytest.fixture
def client(service_settings):  # noqa: ANN201
    with TestClient(create_app(service_settings)) as test_client:
        yield test_client


def blobs(settings) -> list:  # noqa: ANN001
    root = settings.blob_root()
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def count_submissions(sessions) -> int:  # noqa: ANN001
    with sessions() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Submission))


def test_upload_is_accepted_and_queued_with_a_status_url(client, admin_token, sessions):
    course = make_course(client, admin_token)
    token = course.students["ada@example.edu"]
    response = upload(client, token, course.assignment)
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "queued" and body["rubric_version"] == 1
    assert response.headers["location"] == body["status_url"] == f"{API}/submissions/{body['id']}"
    assert client.get(body["status_url"], headers=auth(token)).json()["id"] == body["id"]


def test_identical_resubmission_returns_the_existing_submission(client, admin_token, sessions):
    course = make_course(client, admin_token)
    token = course.students["ada@example.edu"]
    first = upload(client, token, course.assignment).json()
    again = upload(client, token, course.assignment)
    assert again.status_code == 200
    assert again.json()["id"] == first["id"] and again.json()["duplicate"] is True
    assert count_submissions(sessions) == 1


@pytest.mark.parametrize("name, status, message", [
    ("malformed/not_json.ipynb", 422, "the file is not JSON"),
    ("malformed/not_a_notebook.ipynb", 422, "the JSON is not a Jupyter notebook"),
    ("malformed/v3.ipynb", 422, "nbformat 3 is not supported"),
    ("malformed/r_kernel.ipynb", 422, "only Python is graded"),
])
def test_bad_notebooks_are_refused_and_nothing_is_stored(client, admin_token, sessions,
                                                         service_settings, name, status,
                                                         message):
    course = make_course(client, admin_token)
    response = upload(client, course.students["ada@example.edu"], course.assignment,
                      NOTEBOOKS / name)
    assert response.status_code == status
    assert message in response.json()["detail"]
    assert count_submissions(sessions) == 0 and blobs(service_settings) == []


def test_a_200_mb_upload_is_refused_before_it_is_stored(client, admin_token, sessions,
                                                        service_settings):
    course = make_course(client, admin_token)
    response = upload(client, course.students["ada@example.edu"], course.assignment,
                      b" " * (200 * 2**20))
    assert response.status_code == 413
    assert "the limit is 51.0 MiB" in response.json()["detail"]
    assert count_submissions(sessions) == 0 and blobs(service_settings) == []


def test_missing_and_wrong_tokens_get_401(client, admin_token):
    course = make_course(client, admin_token)
    missing = client.get(f"{API}/assignments/{course.assignment}")
    assert missing.status_code == 401
    assert missing.json()["detail"] == ("missing API token: send `Authorization: Bearer "
                                        "<token>`")
    wrong = client.get(f"{API}/assignments/{course.assignment}", headers=auth("grd_nope"))
    assert wrong.status_code == 401 and wrong.json()["detail"] == "invalid or revoked API token"


def test_students_see_only_their_own_submissions_and_courses(client, admin_token):
    course = make_course(client, admin_token, students=("ada@example.edu", "bob@example.edu"))
    ada, bob = course.students["ada@example.edu"], course.students["bob@example.edu"]
    mine = upload(client, ada, course.assignment).json()
    other = client.get(f"{API}/submissions/{mine['id']}", headers=auth(bob))
    assert other.status_code == 404
    assert other.json()["detail"] == f"no submission {mine['id']}"
    history = client.get(f"{API}/assignments/{course.assignment}/submissions",
                         headers=auth(bob)).json()
    assert history["count"] == 0
    outsider_course = make_course(client, admin_token, students=("eve@example.edu",))
    eve = outsider_course.students["eve@example.edu"]
    for path in (f"/assignments/{course.assignment}", f"/submissions/{mine['id']}",
                 f"/courses/{course.id}", f"/assignments/{course.assignment}/submissions"):
        assert client.get(API + path, headers=auth(eve)).status_code == 404, path
    # an id that does not exist answers exactly like one that is not yours
    assert client.get(f"{API}/submissions/999999", headers=auth(eve)).json() == \
        {"detail": "no submission 999999"}


def test_unknown_assignment_is_404(client, admin_token):
    course = make_course(client, admin_token)
    response = upload(client, course.students["ada@example.edu"], 4242)
    assert response.status_code == 404 and response.json()["detail"] == "no assignment 4242"


def test_students_cannot_do_instructor_things(client, admin_token):
    course = make_course(client, admin_token)
    ada = course.students["ada@example.edu"]
    for method, path in (("get", f"/assignments/{course.assignment}/gradebook"),
                         ("post", f"/assignments/{course.assignment}/regrade"),
                         ("post", f"/courses/{course.id}/enrolments")):
        response = getattr(client, method)(API + path, headers=auth(ada),
                                           **({"json": {"email": "x@y.z"}} if method == "post"
                                              else {}))
        assert response.status_code == 403, path
        assert response.json()["detail"] == "only the course's instructors may do this"


def test_upload_rate_limit_answers_429_with_retry_after(client, admin_token, service_settings):
    client.app.state.grader.settings = service_settings.model_copy(
        update={"uploads_per_window": 2})
    course = make_course(client, admin_token)
    token = course.students["ada@example.edu"]
    nb = json.loads((REPO / "notebooks/hw3-2022/solution.ipynb").read_text())
    for i in range(2):
        nb["metadata"]["attempt"] = i
        assert upload(client, token, course.assignment, json.dumps(nb).encode()).status_code == 202
    nb["metadata"]["attempt"] = 3
    limited = upload(client, token, course.assignment, json.dumps(nb).encode())
    assert limited.status_code == 429
    assert limited.json()["detail"].startswith("at most 2 uploads per 10 minutes; try again in")
    assert 1 <= int(limited.headers["retry-after"]) <= 600


def test_uploads_close_after_the_late_cutoff(client, admin_token):
    due = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    course = make_course(client, admin_token, due_at=due, late_penalty_per_day=0.1,
                         late_cutoff_days=2)
    response = upload(client, course.students["ada@example.edu"], course.assignment)
    assert response.status_code == 409
    assert response.json()["detail"].startswith("submissions for 'HW3' closed at")


def test_a_broken_uploaded_rubric_gets_422_with_the_field(client, admin_token):
    course = make_course(client, admin_token)
    yaml_text = (REPO / "rubrics/hw3-2022.yaml").read_text().replace("points: 15", "points: x",
                                                                     1)
    response = client.put(f"{API}/assignments/{course.assignment}/rubric",
                          json={"rubric_yaml": yaml_text}, headers=auth(admin_token))
    assert response.status_code == 422
    assert "questions[0].points: Input should be a valid number" in response.json()["detail"]


def test_a_new_rubric_version_pins_later_submissions(client, admin_token):
    course = make_course(client, admin_token)
    yaml_text = (REPO / "rubrics/hw3-2022.yaml").read_text() + "\n# fixed a typo\n"
    updated = client.put(f"{API}/assignments/{course.assignment}/rubric",
                         json={"rubric_yaml": yaml_text}, headers=auth(admin_token))
    assert updated.json()["rubric_version"] == 2
    body = upload(client, course.students["ada@example.edu"], course.assignment).json()
    assert body["rubric_version"] == 2


def test_tokens_are_stored_only_as_hashes(client, admin_token, sessions):
    course = make_course(client, admin_token)
    token = course.students["ada@example.edu"]
    with sessions() as session:
        stored = session.scalars(sa.select(ApiToken.token_hash)).all()
    assert token not in stored and all(len(h) == 64 for h in stored)


def test_openapi_docs_are_served(client):
    assert client.get("/docs").status_code == 200
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    assert f"{API}/assignments/{{assignment_id}}/submissions" in paths


def test_students_see_only_what_the_rubric_lets_them(client, admin_token, sessions):
    from grader.db import repo
    from grader.db.models import utcnow

    yaml_text = (REPO / "rubrics/hw3-2022.yaml").read_text().replace(
        'title: "Windowed self-attention: dot products (count_dot_products_windowed)"',
        'title: "Windowed self-attention: dot products (count_dot_products_windowed)"\n'
        '    visibility: after_published')
    course = make_course(client, admin_token)
    client.put(f"{API}/assignments/{course.assignment}/rubric", json={"rubric_yaml": yaml_text},
               headers=auth(admin_token))
    ada = course.students["ada@example.edu"]
    sid = upload(client, ada, course.assignment).json()["id"]
    questions = [{"id": qid, "title": qid, "score": 10.0, "max_score": 10.0, "status": "passed",
                  "feedback": ["all 10 cases passed"], "visibility": vis, "time_s": 0.1}
                 for qid, vis in (("4.1", "visible"), ("4.3", "after_published"))]
    with sessions() as session:  # a finished grading, as the worker would record it
        repo.save_result(session=session, submission_id=sid, rubric_version_id=2,
                         report={"questions": questions, "issues": []}, auto_score=20,
                         max_score=20, executed_sha256=None, now=utcnow())
        session.get(Submission, sid).status = "graded"
        session.commit()
    as_student = client.get(f"{API}/submissions/{sid}/result", headers=auth(ada)).json()
    shown = {q["id"]: (q["score"], q["status"]) for q in as_student["questions"]}
    assert shown == {"4.1": (10, "passed"), "4.3": (None, "hidden")}
    assert as_student["total"] == 10  # the hidden question's points do not show in the total
    as_instructor = client.get(f"{API}/submissions/{sid}/result",
                               headers=auth(admin_token)).json()
    assert {q["id"]: q["score"] for q in as_instructor["questions"]} == {"4.1": 10, "4.3": 10}
    client.patch(f"{API}/assignments/{course.assignment}", json={"grades_published": True},
                 headers=auth(admin_token))
    published = client.get(f"{API}/submissions/{sid}/result", headers=auth(ada)).json()
    assert {q["id"]: q["score"] for q in published["questions"]} == {"4.1": 10, "4.3": 10}


def test_regrading_one_submission_requeues_it_and_reports_progress(client, admin_token,
                                                                   sessions):
    course = make_course(client, admin_token)
    ada = course.students["ada@example.edu"]
    sid = upload(client, ada, course.assignment).json()["id"]
    assert client.post(f"{API}/submissions/{sid}/regrade", headers=auth(ada)).status_code == 403
    started = client.post(f"{API}/submissions/{sid}/regrade", headers=auth(admin_token))
    assert started.status_code == 202
    assert {k: started.json()[k] for k in ("total", "queued", "done")} == {
        "total": 1, "queued": 1, "done": 0}
    progress = client.get(started.json()["progress_url"], headers=auth(admin_token)).json()
    assert progress["total"] == 1
    with sessions() as session:
        assert session.get(Submission, sid).regrade_id == started.json()["id"]


def test_health_answers_without_a_token_once_the_database_does(client):
    response = client.get("/api/v1/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
