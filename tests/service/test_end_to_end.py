"""A course's whole path over real HTTP: uvicorn, a Celery worker on Redis, both databases."""

from __future__ import annotations

import csv
import io
import time

import pytest

from tests.service.factories import API, auth, make_course, upload, wait_for_status
from tests.test_cli import validate_gradescope

pytestmark = pytest.mark.sandbox


def test_course_upload_grade_manual_score_and_gradebook(http, admin_token, workers):
    workers.start()
    course = make_course(http, admin_token)
    ada = course.students["ada@example.edu"]
    submitted = upload(http, ada, course.assignment)
    assert submitted.status_code == 202
    sid = submitted.json()["id"]
    status = wait_for_status(http, ada, sid)
    assert status["status"] == "graded" and status["attempts"] == 1

    result = http.get(f"{API}/submissions/{sid}/result", headers=auth(ada)).json()
    assert (result["auto_score"], result["total"], result["max_score"]) == (45, 45, 100)
    assert result["pending_manual_points"] == 55
    assert {q["id"]: q["status"] for q in result["questions"]}["4.2"] == "passed"

    graded = http.put(f"{API}/submissions/{sid}/manual/2",
                      json={"score": 18, "comment": "Clear on attention; thin on encoders."},
                      headers=auth(course.instructor))
    assert graded.status_code == 200, graded.text
    assert graded.json()["total"] == 63 and graded.json()["pending_manual_points"] == 35
    as_student = http.get(f"{API}/submissions/{sid}/result", headers=auth(ada)).json()
    q2 = next(q for q in as_student["questions"] if q["id"] == "2")
    assert (q2["score"], q2["status"], q2["feedback"]) == (
        18, "partial", ["Clear on attention; thin on encoders."])

    csv_text = http.get(f"{API}/assignments/{course.assignment}/gradebook.csv",
                        headers=auth(course.instructor)).text
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert len(rows) == 1
    assert (rows[0]["student"], rows[0]["total"], rows[0]["q:2"], rows[0]["q:4.1"]) == (
        "ada@example.edu", "63.0", "18", "10")
    assert rows[0]["q:1-written"] == ""  # not graded by hand yet: blank, not a zero

    results_json = http.get(f"{API}/submissions/{sid}/results.json", headers=auth(ada)).json()
    assert results_json["score"] == 45
    validate_gradescope(results_json)
    executed = http.get(f"{API}/submissions/{sid}/executed.ipynb", headers=auth(ada))
    assert executed.status_code == 200 and "__grader__" not in executed.text


def test_manual_scores_are_checked_against_the_rubric(http, admin_token, workers):
    workers.start()
    course = make_course(http, admin_token)
    sid = upload(http, course.students["ada@example.edu"], course.assignment).json()["id"]
    wait_for_status(http, course.instructor, sid)
    too_many = http.put(f"{API}/submissions/{sid}/manual/2", json={"score": 21},
                        headers=auth(course.instructor))
    assert too_many.status_code == 409
    assert too_many.json()["detail"] == "score 21 is outside 0..20 for question '2'"
    automatic = http.put(f"{API}/submissions/{sid}/manual/4.1", json={"score": 1},
                         headers=auth(course.instructor))
    assert automatic.status_code == 409
    unknown = http.put(f"{API}/submissions/{sid}/manual/9", json={"score": 1},
                       headers=auth(course.instructor))
    assert unknown.status_code == 404


def test_regrade_after_a_rubric_fix_reports_progress_and_replaces_results(http, admin_token,
                                                                          workers):
    from tests.conftest import REPO

    workers.start()
    course = make_course(http, admin_token, students=("ada@example.edu", "bob@example.edu"))
    ids = [upload(http, token, course.assignment).json()["id"]
           for token in course.students.values()]
    for sid in ids:
        wait_for_status(http, course.instructor, sid)
    fixed = (REPO / "rubrics/hw3-2022.yaml").read_text().replace(
        "points: 10\n    checks:\n      - kind: function\n        name: count_dot_products_causal",
        "points: 12\n    checks:\n      - kind: function\n        name: count_dot_products_causal"
    ).replace("total_points: 100", "total_points: 102")
    assert http.put(f"{API}/assignments/{course.assignment}/rubric", json={"rubric_yaml": fixed},
                    headers=auth(course.instructor)).json()["rubric_version"] == 2
    started = http.post(f"{API}/assignments/{course.assignment}/regrade",
                        headers=auth(course.instructor))
    assert started.status_code == 202 and started.json()["total"] == 2
    deadline = time.monotonic() + 60
    while (progress := http.get(started.json()["progress_url"],
                                headers=auth(course.instructor)).json())["done"] < 2:
        assert time.monotonic() < deadline, progress
        time.sleep(0.3)
    assert progress["graded"] == 2
    for sid in ids:
        result = http.get(f"{API}/submissions/{sid}/result", headers=auth(course.instructor))
        assert result.json()["auto_score"] == 47 and result.json()["max_score"] == 102
