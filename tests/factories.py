"""Build notebooks and run them through the real pipeline."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat import NotebookNode

from grader.pipeline import grade_notebook
from grader.rubric.loader import LoadedRubric
from grader.rubric.models import Limits
from grader.sandbox.base import Backend, ExecutionRequest, ExecutionResult
from grader.scoring import GradeReport

REPO = Path(__file__).resolve().parents[1]
CAUSAL = "def count_dot_products_causal(n):\n    return n * (n + 1) // 2\n"


def make_notebook(*sources: str, tags: dict[int, list[str]] | None = None) -> NotebookNode:
    cells = [nbformat.v4.new_code_cell(src) for src in sources]
    for i, cell in enumerate(cells):
        cell.id = f"c{i}"
        if tags and i in tags:
            cell.metadata["tags"] = tags[i]
    return nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}})


def read_notebook(path: Path) -> NotebookNode:
    return nbformat.read(str(path), as_version=4)


def solution(hw: str) -> NotebookNode:
    return read_notebook(REPO / "notebooks" / hw / "solution.ipynb")


def edit(nb: NotebookNode, old: str, new: str) -> NotebookNode:
    """A copy of nb with `old` replaced by `new` in exactly one code cell."""
    nb = nbformat.from_dict(nb)
    hits = [c for c in nb.cells if c.cell_type == "code" and old in c.source]
    assert len(hits) == 1, f"{old!r} is in {len(hits)} cells"
    hits[0].source = hits[0].source.replace(old, new)
    return nb


def without_cells(nb: NotebookNode, marker: str) -> NotebookNode:
    """A copy of nb without the code cells that contain `marker`."""
    nb = nbformat.from_dict(nb)
    nb.cells = [c for c in nb.cells if not (c.cell_type == "code" and marker in c.source)]
    return nb


def append_cell(nb: NotebookNode, source: str) -> NotebookNode:
    nb = nbformat.from_dict(nb)
    cell = nbformat.v4.new_code_cell(source)
    cell.id = f"appended-{len(nb.cells)}"
    nb.cells.append(cell)
    return nb


def grade(nb: NotebookNode, rubric: LoadedRubric, backend: Backend, *, seed: int = 7,
          **kw: object) -> GradeReport:
    return grade_notebook(nb, rubric, seed=seed, backend=backend, **kw)


def run_cells(backend: Backend, *sources: str, limits: Limits | None = None,
              **kw: object) -> ExecutionResult:
    """Run cells directly in the sandbox (no rubric); read what they printed."""
    request = ExecutionRequest(notebook=make_notebook(*sources), probe_cells=[],
                               limits=limits or Limits(cell_timeout=10, total_timeout=60), **kw)
    return backend.run(request)


def stdout(result: ExecutionResult, index: int) -> str:
    return "".join(o.get("text", "") for o in result.executed.cells[index].outputs
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


def question(report: GradeReport, qid: str):  # noqa: ANN201
    return next(q for q in report.questions if q.id == qid)


def assert_artifact_is_read_only(run, tmp_path: Path) -> None:  # noqa: ANN001
    """`run(*sources, assets=...)` runs cells: the artifact vit.pt is readable, not writable."""
    weights = tmp_path / "vit.pt"
    weights.write_bytes(b"weights")
    result = run("print(open('vit.pt','rb').read())\n"
                 "try:\n    open('vit.pt', 'wb')\nexcept OSError as e:\n"
                 "    print('read-only', e.errno)", assets={"vit.pt": weights})
    assert stdout(result, 0).splitlines() == ["b'weights'", "read-only 30"]
