"""`grader gradescope-bundle`: the zip's run_autograder, run against a directory laid out like
Gradescope's (/autograder/source from the zip, submission/, results/). setup.sh (apt + pip in
Gradescope's image) is not run here; the grader comes from this checkout's venv."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import REPO
from tests.factories import append_cell, read_notebook
from tests.test_cli import grader, validate_gradescope

pytestmark = pytest.mark.sandbox
GRADER_BIN = str(REPO / ".venv" / "bin" / "grader") if (REPO / ".venv").exists() else \
    shutil.which("grader")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    zip_path = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    proc = grader("gradescope-bundle", "--rubric", "hw3-2022", "--out", str(zip_path))
    assert proc.returncode == 0, proc.stderr
    return zip_path


def run_autograder(bundle, tmp_path, files: dict[str, bytes]) -> dict:
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
        for info in archive.infolist():  # zipfile does not restore the mode bits
            mode = info.external_attr >> 16
            if mode & stat.S_IXUSR:
                os.chmod(root / "source" / info.filename, 0o755)
    for name, data in files.items():
        (root / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "submission" / name).write_bytes(data)
    env = {"PATH": f"{os.path.dirname(sys.executable)}:/usr/bin:/bin",
           "AUTOGRADER_ROOT": str(root), "GRADER_BIN": GRADER_BIN, "COLUMNS": "200"}
    proc = subprocess.run([str(root / "source" / "run_autograder")], env=env,
                          capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    validate_gradescope(results)
    return results


def test_the_zip_holds_gradescopes_entry_points_the_grader_and_the_rubric(bundle):
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
        run = archive.read("run_autograder").decode()
    assert {"setup.sh", "run_autograder", "grader-src/pyproject.toml",
            "grader-src/rubrics/hw3-2022.yaml", "grader-src/reference/attention.py",
            "grader-src/grader/pipeline.py"} <= set(names)
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    assert 'rubrics/hw3-2022.yaml' in run and "@RUBRIC@" not in run
    for script in ("setup.sh", "run_autograder"):
        with zipfile.ZipFile(bundle) as archive:
            text = archive.read(script).decode()
        check = subprocess.run(["bash", "-n"], input=text, text=True, capture_output=True,
                               check=False)
        assert check.returncode == 0, check.stderr


def test_solution_and_wrong_notebooks_get_their_scores(bundle, tmp_path):
    solution = (REPO / "notebooks/hw3-2022/solution.ipynb").read_bytes()
    results = run_autograder(bundle, tmp_path / "a", {"hw3.ipynb": solution})
    assert results["score"] == 45
    assert [t["number"] for t in results["tests"]] == ["1-function", "4.1", "4.2", "4.3"]
    assert "55 more points are graded by hand." in results["output"]

    import nbformat

    wrong = append_cell(read_notebook(REPO / "notebooks/hw3-2022/solution.ipynb"),
                        "def count_dot_products_causal(n):\n    return n * n // 2\n")
    results = run_autograder(bundle, tmp_path / "b",
                             {"work/hw3.ipynb": nbformat.writes(wrong).encode()})
    assert results["score"] == 35
    causal = next(t for t in results["tests"] if t["number"] == "4.1")
    assert causal["status"] == "failed" and "expected" in causal["output"]


def test_a_submission_without_one_good_notebook_still_gets_a_results_json(bundle, tmp_path):
    results = run_autograder(bundle, tmp_path / "a", {"answers.pdf": b"%PDF-1.4"})
    assert results["score"] == 0 and "No notebook (.ipynb) was found" in results["output"]
    results = run_autograder(bundle, tmp_path / "b", {"a.ipynb": b"{}", "b.ipynb": b"{}"})
    assert "upload exactly one .ipynb file" in results["output"]
    results = run_autograder(bundle, tmp_path / "c", {"hw3.ipynb": b'{"cells": ['})
    assert results["score"] == 0
    assert "could not be graded" in results["output"] and "not JSON" in results["output"]
