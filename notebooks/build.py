"""Build the starter and solution notebooks of the seed homeworks from one source.

    python notebooks/build.py            # rewrites notebooks/<id>/{starter,solution}.ipynb

Each notebook is a list of cells; a code cell has a starter version (the names and signatures
to implement, returning None) and a solution version. Keeping both in one place means the
starter's signatures cannot drift from what the solution (and the grader) use.
hw3-2022's notebooks predate this script and are kept as they are.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from sources import ASSIGNMENTS  # noqa: E402


def build(cells, *, solution: bool) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for cell in cells:
        kind = cell[0]
        if kind == "md":
            nb.cells.append(nbformat.v4.new_markdown_cell(cell[1].strip("\n")))
        elif kind == "code":
            source = cell[2] if solution and len(cell) > 2 and cell[2] is not None else cell[1]
            nb.cells.append(nbformat.v4.new_code_cell(source.strip("\n")))
        elif kind == "answer":
            text = cell[2] if solution else "*Write here.*"
            nb.cells.append(nbformat.v4.new_markdown_cell(f"**Your answer ({cell[1]}):**\n\n"
                                                          f"{text.strip()}"))
        elif kind == "tagged":  # ("tagged", tag, starter, solution)
            source = cell[3] if solution else cell[2]
            new = nbformat.v4.new_code_cell(source.strip("\n"))
            new.metadata["tags"] = [cell[1]]
            nb.cells.append(new)
        else:
            raise ValueError(kind)
    return nb


def main() -> None:
    for assignment, cells in ASSIGNMENTS.items():
        folder = HERE / assignment
        folder.mkdir(exist_ok=True)
        for name, solution in (("starter", False), ("solution", True)):
            nb = build(cells, solution=solution)
            nbformat.validate(nb)
            nbformat.write(nb, str(folder / f"{name}.ipynb"))
            print(f"wrote {folder.name}/{name}.ipynb ({len(nb.cells)} cells)")


if __name__ == "__main__":
    main()
