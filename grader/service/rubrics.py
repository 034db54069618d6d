"""Rubric versions stored in the database: parse them as the grader does files."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from grader.db.models import RubricVersion
from grader.rubric.loader import LoadedRubric, check_references, parse_rubric


def load_version_text(yaml_text: str, *, rubrics_dir: Path, label: str) -> LoadedRubric:
    """Validate YAML from an upload or the database; references resolve against reference/."""
    rubric = parse_rubric(yaml_text, source=label)
    loaded = LoadedRubric(rubric=rubric, source=rubrics_dir.resolve() / f"{rubric.id}.yaml",
                          version=hashlib.sha256(yaml_text.encode()).hexdigest()[:16])
    check_references(loaded)
    return loaded


@lru_cache(maxsize=64)
def _cached(yaml_text: str, rubrics_dir: str, label: str) -> LoadedRubric:
    return load_version_text(yaml_text, rubrics_dir=Path(rubrics_dir), label=label)


def load_version(version: RubricVersion, *, rubrics_dir: Path) -> LoadedRubric:
    """Parsed once per process per version (the worker grades many submissions of one)."""
    return _cached(version.yaml_text, str(rubrics_dir),
                   f"assignment {version.assignment_id} rubric v{version.number}")


def needs_gpu(loaded: LoadedRubric) -> bool:
    return loaded.rubric.limits.gpu == "required"
