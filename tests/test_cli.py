"""`grader grade` as a person runs it: exit codes, the table, the JSON and results.json files."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import NOTEBOOKS, REPO

pytestmark = pytest.mark.sandbox
SOLUTION = str(REPO / "notebooks/hw3-2022/solution.ipynb")


def grader(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True,
                          text=True, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"}, timeout=120)


def test_grade_prints_the_table_and_total_and_writes_both_reports(tmp_path):
    proc = grader("grade", SOLUTION, "--rubric", "hw3-2022", "--seed", "5",
                  "--json", str(tmp_path / "report.json"),
                  "--results-json", str(tmp_path / "results.json"),
                  "--executed", str(tmp_path / "executed.ipynb"))
    assert proc.returncode == 0, proc.stderr
    assert "total: 45 / 100 (55 points pending manual grading)" in proc.stdout
    assert "│ 4.2        │ 10/10 │ passed" in proc.stdout
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["seed"] == 5 and report["score"] == 45
    results = json.loads((tmp_path / "results.json").read_text())
    validate_gradescope(results)
    assert results["score"] == 45
    assert [t["number"] for t in results["tests"]] == ["1-function", "4.1", "4.2", "4.3"]
    assert "55 more points are graded by hand." in results["output"]
    executed = json.loads((tmp_path / "executed.ipynb").read_text())
    assert "__grader__" not in json.dumps(executed)  # probe cells (and hidden inputs) left out
    assert "".join(executed["cells"][3]["outputs"][0]["text"]).startswith("[4, 1, 0, 2]")


def test_a_low_score_still_exits_zero(tmp_path):
    proc = grader("grade", str(REPO / "notebooks/hw3-2022/starter.ipynb"), "-r", "hw3-2022",
                  "--results-json", str(tmp_path / "r.json"))
    assert proc.returncode == 0
    results = json.loads((tmp_path / "r.json").read_text())
    validate_gradescope(results)
    assert results["score"] == 0
    assert {t["status"] for t in results["tests"]} == {"failed"}


@pytest.mark.parametrize("args, code, message", [
    (["grade", str(NOTEBOOKS / "malformed/not_json.ipynb"), "-r", "hw3-2022"], 2,
     "not a gradable notebook: the file is not JSON"),
    (["grade", "/nonexistent.ipynb", "-r", "hw3-2022"], 2, "cannot read the file"),
    (["grade", SOLUTION, "-r", "hw9"], 2, "no rubric named 'hw9'"),
    (["grade", SOLUTION, "-r", "hw3-2022", "--artifact", "/nonexistent/vit.pt"], 2,
     "artifact /nonexistent/vit.pt does not exist"),
    (["grade", SOLUTION, "-r", "hw3-2022", "--sandbox", "docker"], 2,
     "unknown sandbox backend 'docker'"),
])
def test_bad_input_exits_nonzero_with_a_sentence(args, code, message):
    proc = grader(*args)
    assert proc.returncode == code
    assert message in " ".join(proc.stderr.split())


def validate_gradescope(results: dict) -> None:
    """Gradescope's results.json: valid against the JSON Schema the README publishes."""
    import jsonschema

    jsonschema.validate(results, gradescope_results_schema(),
                        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    for test in results["tests"]:
        assert test["score"] <= test["max_score"]


def gradescope_results_schema() -> dict:
    readme = (REPO / "README.md").read_text()
    block = readme.split("<!-- gradescope-results-schema -->\n```json\n", 1)[1]
    return json.loads(block.split("```", 1)[0])


def test_the_readme_schema_rejects_what_gradescope_would_not_read():
    import jsonschema

    good = {"score": 5, "output": "", "tests": [
        {"name": "1: q", "number": "1", "score": 5, "max_score": 5, "status": "passed",
         "output": "", "visibility": "visible"}]}
    validate_gradescope(good)
    for broken in ({**good, "score": "5"},
                   {**good, "tests": [{**good["tests"][0], "status": "ok"}]},
                   {**good, "tests": [{**good["tests"][0], "visibility": "students"}]},
                   {k: v for k, v in good.items() if k != "tests"}):
        with pytest.raises(jsonschema.ValidationError):
            validate_gradescope(broken)


def test_grade_batch_grades_a_folder_writes_a_csv_and_keeps_going_past_a_broken_notebook(
        tmp_path):
    import csv
    import shutil

    folder = tmp_path / "submissions"
    (folder / "alice").mkdir(parents=True)
    shutil.copy(SOLUTION, folder / "bob.ipynb")
    shutil.copy(REPO / "notebooks/hw3-2022/starter.ipynb", folder / "alice" / "hw3.ipynb")
    (folder / "carol.ipynb").write_text('{"cells": [')
    (folder / "dave").mkdir()  # a submission folder without a notebook
    proc = grader("grade-batch", str(folder), "--rubric", "hw3-2022", "--csv",
                  str(tmp_path / "grades.csv"))
    assert proc.returncode == 2  # not every submission could be graded
    assert "graded 2 of 4 submissions, mean 22.50 / 100; 2 not graded" in proc.stdout
    assert "4/4" in proc.stderr  # the progress bar ran to the end
    with (tmp_path / "grades.csv").open() as handle:
        rows = {row["submission"]: row for row in csv.DictReader(handle)}
    assert (rows["bob"]["status"], rows["bob"]["score"], rows["bob"]["4.2"]) == ("ok", "45.0",
                                                                                "10.0")
    assert (rows["alice"]["score"], rows["alice"]["pending_manual"]) == ("0.0", "55.0")
    assert rows["carol"]["status"] == "not graded" and "not JSON" in rows["carol"]["error"]
    assert "must hold exactly one notebook" in rows["dave"]["error"]
