"""Read a submitted notebook: size cap, JSON, nbformat v4, schema, a Python kernel.

`nbformat.reads` only logs schema errors, so the notebook is validated explicitly; it is
normalized first (missing cell ids are added in code, not by a warning).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.v4.rwbase import rejoin_lines
from nbformat.validator import ValidationError, normalize

from grader.errors import InvalidNotebook, UploadTooLarge


def read_notebook(path: Path, *, max_bytes: int) -> NotebookNode:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InvalidNotebook(f"cannot read the file ({exc.strerror})", source=str(path)) from None
    if size > max_bytes:
        raise UploadTooLarge(size_bytes=size, limit_bytes=max_bytes)
    return parse_notebook(path.read_bytes(), max_bytes=max_bytes, source=str(path))


def parse_notebook(raw: bytes, *, max_bytes: int, source: str | None = None) -> NotebookNode:
    if len(raw) > max_bytes:
        raise UploadTooLarge(size_bytes=len(raw), limit_bytes=max_bytes)
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InvalidNotebook("the file is not UTF-8 text", source=source) from None
    except json.JSONDecodeError as exc:
        raise InvalidNotebook(f"the file is not JSON ({exc.msg} at line {exc.lineno})",
                              source=source) from None
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        raise InvalidNotebook("the JSON is not a Jupyter notebook (no cells)", source=source)
    major = data.get("nbformat")
    if major != 4:
        raise InvalidNotebook(f"nbformat {major} is not supported; open the notebook in a "
                              "current Jupyter and save it again (nbformat 4)", source=source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # MissingIDFieldWarning: ids are added below
            _, data = normalize(data)
        nb = rejoin_lines(nbformat.from_dict(data))
        nbformat.validate(nb)
    except ValidationError as exc:
        raise InvalidNotebook(f"the notebook does not follow the nbformat 4 schema: "
                              f"{exc.message}", source=source) from None
    language = (nb.metadata.get("kernelspec", {}).get("language")
                or nb.metadata.get("language_info", {}).get("name") or "python")
    if language.lower() != "python":
        raise InvalidNotebook(f"the notebook's kernel is {language}; only Python is graded",
                              source=source)
    return nb
