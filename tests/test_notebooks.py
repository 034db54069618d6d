"""Reading a submitted notebook: every bad file gets a reason a student understands."""

from __future__ import annotations

import json

import pytest

from grader.errors import InvalidNotebook, UploadTooLarge
from grader.notebooks import parse_notebook, read_notebook
from tests.conftest import NOTEBOOKS, REPO

MALFORMED = NOTEBOOKS / "malformed"


@pytest.mark.parametrize("name, reason", [
    ("not_json.ipynb", "the file is not JSON"),
    ("not_a_notebook.ipynb", "the JSON is not a Jupyter notebook (no cells)"),
    ("v3.ipynb", "nbformat 3 is not supported; open the notebook in a current Jupyter and "
                 "save it again (nbformat 4)"),
    ("bad_schema.ipynb", "the notebook does not follow the nbformat 4 schema"),
    ("r_kernel.ipynb", "the notebook's kernel is R; only Python is graded"),
])
def test_malformed_notebooks_are_refused_with_the_reason(name, reason):
    with pytest.raises(InvalidNotebook) as info:
        read_notebook(MALFORMED / name, max_bytes=2**20)
    assert reason in str(info.value)
    assert str(info.value).startswith(str(MALFORMED / name))


def test_binary_garbage_is_not_utf8():
    with pytest.raises(InvalidNotebook, match="not UTF-8"):
        parse_notebook(b"\xff\xfe\x00garbage", max_bytes=2**20)


def test_a_notebook_over_the_size_limit_is_refused_before_parsing(tmp_path):
    path = tmp_path / "huge.ipynb"
    path.write_bytes(b" " * (2**20 + 1))
    with pytest.raises(UploadTooLarge, match=r"the upload is 1\.0 MiB; the limit is 1\.0 MiB"):
        read_notebook(path, max_bytes=2**20)


def test_missing_cell_ids_are_added_without_a_warning():
    raw = json.loads((REPO / "notebooks/hw3-2022/solution.ipynb").read_text())
    raw["nbformat_minor"] = 4
    for cell in raw["cells"]:
        cell.pop("id", None)
    nb = parse_notebook(json.dumps(raw).encode(), max_bytes=2**20)  # warnings are errors here
    assert nb.cells[2].source.startswith("import math")


def test_a_notebook_without_kernelspec_is_taken_as_python():
    nb = parse_notebook(b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
                        max_bytes=1000)
    assert nb.cells == []
