"""`grader gradescope-bundle`: the autograder zip for courses that keep Gradescope.

The zip holds Gradescope's two entry points (`setup.sh`, `run_autograder`, from
`gradescope_bundle/`) and `grader-src/`: this package, `reference/` and the rubric, installed by
setup.sh into a venv. run_autograder grades the one notebook in /autograder/submission (other
files beside it are its artifacts, e.g. vit.pt) and always writes results.json.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

from grader.rubric.loader import LoadedRubric

TEMPLATES = Path(__file__).parent / "gradescope_bundle"
EXECUTABLE = (stat.S_IFREG | 0o755) << 16


def build_bundle(loaded: LoadedRubric, project: Path, out: Path) -> list[str]:
    """Write the zip; return the names it holds."""
    names = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for script in ("setup.sh", "run_autograder"):
            text = (TEMPLATES / script).read_text().replace("@RUBRIC@", loaded.rubric.id)
            info = zipfile.ZipInfo(script)
            info.external_attr = EXECUTABLE
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
            names.append(script)
        sources = [project / "pyproject.toml", project / "README.md"]
        for folder in ("grader", "reference"):
            sources += [p for p in sorted((project / folder).rglob("*"))
                        if p.is_file() and "__pycache__" not in p.parts]
        for path in sources:
            name = f"grader-src/{path.relative_to(project)}"
            archive.write(path, name)
            names.append(name)
        name = f"grader-src/rubrics/{loaded.rubric.id}.yaml"
        archive.writestr(name, loaded.source.read_text())
        names.append(name)
    return names
