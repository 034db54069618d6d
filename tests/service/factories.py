"""Courses, people and assignments created through the API, as a course would."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import REPO

API = "/api/v1"
SOLUTION = REPO / "notebooks/hw3-2022/solution.ipynb"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Course:
    id: int
    instructor: str           # token
    assignment: int
    students: dict[str, str]  # email -> token


def make_course(client, admin_token: str, *, students=("ada@example.edu",),  # noqa: ANN001
                rubric_id: str = "hw3-2022", **assignment: object) -> Course:
    course = client.post(f"{API}/courses", json={"name": "Deep Learning"},
                         headers=auth(admin_token)).json()
    tokens = {}
    for email in students:
        enrolment = client.post(f"{API}/courses/{course['id']}/enrolments",
                                json={"email": email}, headers=auth(admin_token))
        assert enrolment.status_code == 201, enrolment.text
        uid = enrolment.json()["user"]["id"]
        tokens[email] = client.post(f"{API}/courses/{course['id']}/enrolments/{uid}/tokens",
                                    json={}, headers=auth(admin_token)).json()["token"]
    created = client.post(f"{API}/courses/{course['id']}/assignments",
                          json={"name": "HW3", "rubric_id": rubric_id, **assignment},
                          headers=auth(admin_token))
    assert created.status_code == 201, created.text
    return Course(course["id"], admin_token, created.json()["id"], tokens)


def upload(client, token: str, assignment: int, notebook: bytes | Path = SOLUTION,  # noqa: ANN001
           artifacts: dict[str, bytes] | None = None):  # noqa: ANN201
    data = notebook.read_bytes() if isinstance(notebook, Path) else notebook
    files = [("notebook", ("submission.ipynb", data, "application/json"))]
    files += [("artifacts", (name, blob, "application/octet-stream"))
              for name, blob in (artifacts or {}).items()]
    return client.post(f"{API}/assignments/{assignment}/submissions", files=files,
                       headers=auth(token))


def wait_for_status(client, token: str, submission_id: int, statuses=("graded", "error"),  # noqa: ANN001
                    timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"{API}/submissions/{submission_id}", headers=auth(token)).json()
        if body["status"] in statuses:
            return body
        time.sleep(0.2)
    raise AssertionError(f"submission {submission_id} still {body['status']} after {timeout} s")
