"""Read `rubrics/*.yaml`, validate, and resolve the reference code each check names.

References are `module:attribute` strings imported from the project's `reference/` package,
which sits beside `rubrics/`. It is imported in the grader's process only: the sandbox never
sees it (its directory is not bound into the sandbox).
"""

from __future__ import annotations

import hashlib
import importlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from grader.errors import RubricError, UnknownRubric
from grader.rubric.models import Rubric


@dataclass(frozen=True)
class LoadedRubric:
    rubric: Rubric
    source: Path
    version: str  # sha256 of the file's bytes: a submission is pinned to it

    def resolve(self, ref: str) -> Any:
        return resolve_ref(ref, root=self.source.parent.parent, source=str(self.source))


def default_rubrics_dir() -> Path:
    """`rubrics/` of the checkout this package was installed from."""
    return Path(__file__).resolve().parents[2] / "rubrics"


def list_rubrics(rubrics_dir: Path) -> list[str]:
    return sorted(p.stem for p in rubrics_dir.glob("*.yaml"))


def find_rubric_file(name_or_path: str, rubrics_dir: Path) -> Path:
    candidate = Path(name_or_path)
    if candidate.suffix in {".yaml", ".yml"} or candidate.exists():
        if not candidate.is_file():
            raise UnknownRubric(name_or_path, known=list_rubrics(rubrics_dir))
        return candidate
    path = rubrics_dir / f"{name_or_path}.yaml"
    if not path.is_file():
        raise UnknownRubric(name_or_path, known=list_rubrics(rubrics_dir))
    return path


def load_rubric(name_or_path: str, rubrics_dir: Path | None = None) -> LoadedRubric:
    """Load, validate and check every reference; raise RubricError saying file, field, reason."""
    path = find_rubric_file(name_or_path, rubrics_dir or default_rubrics_dir())
    raw = path.read_bytes()
    rubric = parse_rubric(raw, source=str(path))
    loaded = LoadedRubric(rubric=rubric, source=path.resolve(),
                          version=hashlib.sha256(raw).hexdigest()[:16])
    check_references(loaded)
    return loaded


def parse_rubric(raw: bytes | str, *, source: str) -> Rubric:
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise RubricError(f"not valid YAML: {exc}", source=source) from None
    if not isinstance(data, dict):
        raise RubricError("a rubric is a YAML mapping with id, title and questions",
                          source=source)
    try:
        return Rubric.model_validate(data)
    except ValidationError as exc:
        raise RubricError(format_validation_error(exc), source=source) from None


def format_validation_error(exc: ValidationError) -> str:
    """One line per problem: `questions[2].checks[0].compare: Input should be ...`."""
    lines = []
    for err in exc.errors():
        path = ""
        for part in err["loc"]:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        lines.append(f"{path or '(top level)'}: {err['msg']}")
    return "; ".join(lines)


def check_references(loaded: LoadedRubric) -> None:
    """Import every `module:attr` a check names, so a typo fails now, not at grading time."""
    for qi, question in enumerate(loaded.rubric.questions):
        for ci, check in enumerate(question.checks):
            for field in ("reference", "inputs", "dataset", "compare", "harness"):
                ref = getattr(check, field, None)
                if not isinstance(ref, str) or ":" not in ref:
                    continue
                try:
                    target = loaded.resolve(ref)
                except RubricError as exc:
                    raise RubricError(f"questions[{qi}].checks[{ci}].{field}: {exc.reason}",
                                      source=str(loaded.source)) from None
                if field != "reference" and not callable(target):
                    raise RubricError(f"questions[{qi}].checks[{ci}].{field}: {ref} is not "
                                      "callable", source=str(loaded.source))


def resolve_ref(ref: str, *, root: Path, source: str) -> Any:
    module_name, _, attr = ref.partition(":")
    # The reference package lives beside rubrics/, outside the installed package; a rubric kept
    # elsewhere may still name this project's `reference` modules.
    for path in (default_rubrics_dir().parent, root):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise RubricError(f"cannot import {module_name} for {ref}: {exc}", source=source) from None
    try:
        return getattr(module, attr)
    except AttributeError:
        raise RubricError(f"{module_name} has no attribute {attr!r}", source=source) from None

