"""The grading core imports no web, database or queue framework (STYLE.md, "The shape")."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "grader"
ADAPTERS = {"api", "worker", "db", "service", "web"}  # service: use cases over db + queue
FORBIDDEN = {"fastapi", "starlette", "sqlalchemy", "alembic", "celery", "redis"}


def test_core_modules_import_no_framework():
    offenders = []
    for path in CORE.rglob("*.py"):
        if set(path.relative_to(CORE).parts) & ADAPTERS:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []


def test_importing_grader_touches_nothing(monkeypatch):
    import importlib
    import sys

    for name in [m for m in sys.modules if m == "grader" or m.startswith("grader.")]:
        monkeypatch.delitem(sys.modules, name)
    module = importlib.import_module("grader")
    assert module.__version__
    assert not [m for m in sys.modules if m.startswith("grader.")]
